"""HTTP figures: gridcase and the baseline under gunicorn, loaded by wrk, side by side.

    python -m bench.http --manifest bench/.data/boards.json [--quick] [--out http.json]

Both apps run as a production node would (gunicorn, 2 sync workers as the README's deployment
section runs them, on 127.0.0.1) on the same generated database. For each figure gridcase and
the baseline are measured one after the other in the same run, after a short warm-up, with
`wrk --latency`, and the result is a row {figure, gridcase, baseline, ratio, budget, holds}.
Every response's status is counted: a figure whose responses are not the expected ones (a
refused POST, a 200 where a 304 was expected) says so, because a benchmark of refusals is
worthless.
"""
import argparse
import contextlib
import http.cookiejar
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WRK_DIR = os.path.join(ROOT, "bench", "wrk")
DATA = os.path.join(ROOT, "bench", ".data")
GUNICORN = os.path.join(os.path.dirname(sys.executable), "gunicorn")
WORKERS = 2
THREADS = 2
BOARD_SIZES = (50, 500, 2000)
CONNECTIONS = (8, 32)
PHOTO_BYTES = 3 * 1024 * 1024
FIGURES = ("boards", "refresh", "post", "intake")
# Where py-spy flame graphs go when asked for (bench.run --py-spy DIR).
PROFILE = {}


class Timing:
    """How long each wrk run lasts: a warm-up, then the measured run."""

    def __init__(self, quick, seconds=None):
        self.warmup = "1s" if quick else "2s"
        self.seconds = seconds or (3 if quick else 5)
        self.duration = f"{self.seconds}s"
        # The short run with a Lua script that counts every status (not timed for the figure).
        self.check = "1s" if quick else "2s"

    def longer(self, seconds):
        """The same warm-up with a measured run of at least `seconds` (for slow requests)."""
        longer = Timing(False, max(seconds, self.seconds))
        longer.warmup, longer.check = self.warmup, self.check
        return longer


# --- tools -------------------------------------------------------------------------------------

def ensure_wrk():
    """The path of wrk, installing Debian's package when it is missing (as root or through sudo)."""
    path = shutil.which("wrk")
    if path:
        return path
    prefix = [] if os.geteuid() == 0 else ["sudo", "-n"]
    print("wrk is missing: installing the Debian package …", flush=True)
    if subprocess.run(prefix + ["apt-get", "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL).returncode:
        subprocess.run(prefix + ["apt-get", "update", "-q"], stdout=subprocess.DEVNULL, check=True)
        subprocess.run(prefix + ["apt-get", "install", "-y", "-q", "wrk"], stdout=subprocess.DEVNULL, check=True)
    path = shutil.which("wrk")
    if not path:
        raise SystemExit("wrk could not be installed: apt-get install wrk")
    return path


def free_port():
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """One gunicorn (2 sync workers) serving an app on 127.0.0.1, stopped on exit."""

    def __init__(self, name, target, env, ready_path, logdir, cwd=ROOT):
        self.name, self.target, self.ready_path, self.cwd = name, target, ready_path, cwd
        self.env = {**os.environ, **env}
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = os.path.join(logdir, f"{name}.log")
        self.process = None

    def __enter__(self):
        command = [GUNICORN, "-w", str(WORKERS), "-k", "sync", "-b", f"127.0.0.1:{self.port}", "--timeout", "60",
                   "--error-logfile", self.log, "--log-level", "warning", self.target]
        self.process = subprocess.Popen(command, cwd=self.cwd, env=self.env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} did not start:\n{self.tail()}")
            try:
                with urllib.request.urlopen(self.base + self.ready_path, timeout=5) as answer:
                    if answer.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"{self.name} did not answer {self.ready_path} within 60 s:\n{self.tail()}")

    def __exit__(self, *exc):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    def drain(self):
        """Wait until the server has served what is queued: one probe per worker, one after another.

        Sync workers take connections in the order they arrived, so a probe answers only once
        everything queued before it is done.
        """
        for _ in range(WORKERS):
            with urllib.request.urlopen(self.base + self.ready_path, timeout=300) as answer:
                answer.read()

    def tail(self, lines=30):
        """The end of the server's error log."""
        try:
            with open(self.log, encoding="utf-8", errors="replace") as handle:
                return "".join(handle.readlines()[-lines:])
        except OSError:
            return "(no log)"


# --- a signed-in client (standard library only) ---------------------------------------------------

class NoRedirect(urllib.request.HTTPRedirectHandler):
    """Keep 3xx answers as they are (the sign-in answers 303)."""

    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    """A browser's worth of state: a cookie jar, the last CSRF token seen, one User-Agent.

    wrk replays the client's cookie *and* its User-Agent: Flask-Login keeps a hash of the address
    and User-Agent a session signed in from, and a request from another agent marks the session
    "not fresh" — re-signing the session cookie on every response of a run that never stores it,
    which no browser does.
    """

    USER_AGENT = "gridcase-bench/1 (a browser replayed by wrk)"

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect)
        self.csrf = None

    def request(self, path, data=None, headers=None):
        """(status, headers, body text) of one request; form data is url-encoded."""
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body,
                                     headers={"User-Agent": self.USER_AGENT, **(headers or {})})
        try:
            answer = self.opener.open(req, timeout=60)
        except urllib.error.HTTPError as error:
            answer = error
        with answer:
            text = answer.read().decode("utf-8", errors="replace")
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text) or re.search(
            r'"X-CSRFToken": "([^"]+)"', text)
        if token:
            self.csrf = token.group(1)
        return answer.status, answer.headers, text

    def sign_in(self, username, password):
        """POST /login with the form's CSRF token, as a person would."""
        self.request("/login")
        status, headers, _text = self.request("/login", {"csrf_token": self.csrf, "username": username,
                                                          "password": password})
        if status != 303:
            raise RuntimeError(f"sign-in of {username} answered {status}, not 303")
        return self

    def cookie_header(self):
        """The Cookie header the session now needs."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)

    def replay(self):
        """The headers wrk sends to be this client: its cookies and its User-Agent."""
        return [f"Cookie: {self.cookie_header()}", f"User-Agent: {self.USER_AGENT}"]


# --- wrk ------------------------------------------------------------------------------------------

def wrk(url, script=None, args=(), connections=8, duration="5s", headers=()):
    """One wrk run. Without `script`: plain wrk (no Lua at all), its own summary parsed — the
    throughput figures. With a script: the BENCH-JSON summary it prints, with every status counted."""
    command = [ensure_wrk(), "-t", str(THREADS), "-c", str(connections), "-d", duration, "--timeout", "30s",
               "--latency"]
    for header in headers:
        command += ["-H", header]
    if script:
        command += ["-s", os.path.join(WRK_DIR, script)]
    command += [url]
    if script:
        command += ["--", *args, *headers]
    env = {**os.environ, "BENCH_WRK_DIR": WRK_DIR, "BENCH_WRK_THREADS": str(THREADS),
           "BENCH_WRK_CONNECTIONS_PER_THREAD": str(max(connections // THREADS, 1))}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT)
    if done.returncode:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    if not script or script in PLAIN_SCRIPTS:
        result = plain_summary(done.stdout)
    else:
        line = next((line for line in done.stdout.splitlines() if line.startswith("BENCH-JSON ")), None)
        if line is None:
            raise RuntimeError(f"wrk printed no BENCH-JSON line:\n{done.stdout}\n{done.stderr}")
        result = json.loads(line[len("BENCH-JSON "):])
        result["statuses"] = {int(k): v for k, v in result["statuses"].items()}
    result["connections"] = connections
    return result


# Scripts that only build requests (no response callback): their runs are read like plain wrk's.
PLAIN_SCRIPTS = ("post_plain.lua",)
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}
_BYTES = {"B": 1, "KB": 1024, "MB": 1024 ** 2, "GB": 1024 ** 3}


def plain_summary(text):
    """wrk's own summary as numbers: requests, seconds, rps, p50/p90/p99 (ms), socket errors, and how many
    answers were not 2xx/3xx (the only statuses plain wrk tells)."""
    def ms(value):
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(number) * _UNITS[unit]

    done = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m), ([\d.]+)(B|KB|MB|GB) read", text)
    if not done:
        raise RuntimeError(f"wrk's summary could not be read:\n{text}")
    requests, seconds = int(done.group(1)), ms(done.group(2) + done.group(3)) / 1000
    read = float(done.group(4)) * _BYTES[done.group(5)]
    percentiles = {int(p): ms(v) for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)\s*$", text, re.M)}
    errors = {"connect": 0, "read": 0, "write": 0, "timeout": 0}
    found = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if found:
        errors = dict(zip(errors, map(int, found.groups())))
    other = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {"requests": requests, "seconds": seconds, "rps": requests / seconds if seconds else 0.0, "read": read,
            "p50_ms": percentiles.get(50, 0.0), "p90_ms": percentiles.get(90, 0.0),
            "p99_ms": percentiles.get(99, 0.0), "errors": errors, "not_2xx_3xx": int(other.group(1)) if other else 0,
            "statuses": {}}


def measure(timing, server, url, script=None, args=(), connections=8, headers=(), warm_args=None, spy=None,
            check=None):
    """A warm-up run (its figures dropped), the measured run in plain wrk (profiled when `spy` is set),
    then a short run of `check` — (script, args), a Lua script that counts every status — whose
    statuses prove the measured answers were the right ones.

    Each run is followed by a drain: when wrk stops, the requests still queued on the server's
    socket are served anyway, and would otherwise eat into the next measured run (or the other
    app's, on the same cores).
    """
    wrk(url, script, warm_args if warm_args is not None else args, connections, timing.warmup, headers)
    server.drain()
    with spy.record(timing.seconds) if spy else contextlib.nullcontext():
        result = wrk(url, script, args, connections, timing.duration, headers)
    server.drain()
    check_script, check_args = check or ("get.lua", ())
    counted = wrk(url, check_script, check_args, connections, timing.check, headers)
    server.drain()
    result["statuses"] = counted["statuses"]
    result["checked"] = counted["requests"]
    result["errors"] = {kind: n + counted["errors"].get(kind, 0) for kind, n in result["errors"].items()}
    return result


class Spy:
    """py-spy over a server's workers during one measured run: a flame graph per figure."""

    def __init__(self, directory, server, name):
        self.directory, self.server = directory, server
        self.name = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")

    @contextlib.contextmanager
    def record(self, seconds):
        """Sample the gunicorn master and its workers while the body runs."""
        path = os.path.join(self.directory, f"{self.name}.svg")
        binary = shutil.which("py-spy") or os.path.join(os.path.dirname(sys.executable), "py-spy")
        process = subprocess.Popen([binary, "record", "--pid", str(self.server.process.pid), "--subprocesses",
                                    "--duration", str(seconds), "--nonblocking", "--output", path],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            yield
        finally:
            try:
                process.wait(timeout=seconds + 30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        print(f"    py-spy: {os.path.relpath(path, ROOT)}", flush=True)


def spy_for(app, name):
    """A Spy for gridcase's figure `name` when profiling was asked for, else None."""
    return Spy(PROFILE["dir"], app, name) if PROFILE.get("dir") else None


# A figure from fewer responses than this is printed but not trusted (a budget on it does not hold).
MIN_RESPONSES = 10
# The budgeted figures that set gridcase against the baseline request for request (the unchanged
# refresh, the event POST) run in alternating rounds — gridcase, baseline; baseline, gridcase; … —
# pooled into one figure each, so a burst of load from elsewhere on a shared machine falls on both.
ROUNDS = 3


def alternating(rounds, mine, theirs):
    """mine(r) and theirs(r) for each round r, taking turns at going first; both pooled."""
    ours, base = [], []
    for r in range(rounds):
        pair = [(ours, mine), (base, theirs)]
        for results, run in pair if r % 2 == 0 else pair[::-1]:
            results.append(run(r))
    return pooled(ours), pooled(base)


def pooled(results):
    """One figure from several runs: requests, statuses and errors summed, throughput over their total
    time, latencies those of the median run (by p50); each run's throughput kept in `rounds`."""
    if len(results) == 1:
        return results[0]
    out = dict(sorted(results, key=lambda r: r["p50_ms"])[len(results) // 2])
    out["requests"] = sum(r["requests"] for r in results)
    out["seconds"] = sum(r["seconds"] for r in results)
    out["rps"] = out["requests"] / out["seconds"]
    out["statuses"], out["errors"] = {}, {}
    for r in results:
        for status, n in r["statuses"].items():
            out["statuses"][status] = out["statuses"].get(status, 0) + n
        for kind, n in r["errors"].items():
            out["errors"][kind] = out["errors"].get(kind, 0) + n
    out["not_2xx_3xx"] = sum(r.get("not_2xx_3xx", 0) for r in results)
    out["checked"] = sum(r.get("checked", 0) for r in results)
    out["rounds"] = [round(r["rps"]) for r in results]
    problems = [r["problem"] for r in results if r.get("problem")]
    if problems:
        out["problem"] = "; ".join(problems)
    return out


def unexpected(result, expected):
    """How many responses had a status other than the expected ones (socket errors count too)."""
    return (sum(n for status, n in result["statuses"].items() if status not in expected)
            + sum(result["errors"].values()) + result.get("not_2xx_3xx", 0))


def trusted(result, expected):
    """Enough responses, all of them the expected ones."""
    return result["requests"] >= MIN_RESPONSES and not unexpected(result, expected) and not result.get("problem")


def cell(result, expected):
    """The figures of one side of a row, with what went wrong if anything did."""
    text = f"{result['rps']:.0f} req/s · p50 {result['p50_ms']:.1f} ms · p99 {result['p99_ms']:.1f} ms"
    if result.get("rounds"):
        text += f" ({len(result['rounds'])} rounds: {', '.join(str(rps) for rps in result['rounds'])} req/s)"
    if result.get("statuses"):
        shown = {2001: "200 (changed)", 2002: "200 (changed, late)"}
        text += " · counted run: " + ", ".join(f"{n}×{shown.get(status, status)}"
                                               for status, n in sorted(result["statuses"].items()))
    bad = unexpected(result, expected)
    if result["requests"] < MIN_RESPONSES:
        text += f" — only {result['requests']} responses in {result['seconds']:.0f} s: too few to trust"
    if result.get("problem"):
        text += f" — {result['problem']}"
    if result["statuses"].get(2001):
        text += (f" — {result['statuses'][2001] + result['statuses'].get(2002, 0)} polls found the board changed"
                 " (a 200 with a new ETag, then followed)")
    if result.get("retaken"):
        text += (f" — {len(result['retaken'])} round(s) taken again, the board having changed during them "
                 f"(whole pages fetched: {', '.join(str(rps) for rps in result['retaken'])} req/s)")
    if result.get("not_2xx_3xx"):
        text += f" — {result['not_2xx_3xx']} answers of the measured run were not 2xx/3xx"
    if bad:
        statuses = ", ".join(f"{n}×{status}" for status, n in sorted(result["statuses"].items()))
        errors = ", ".join(f"{n} {kind}" for kind, n in result["errors"].items() if n)
        text += f" — {bad} UNEXPECTED of {result['requests']} ({statuses}{'; ' + errors if errors else ''})"
    return text


def row(figure, mine, base, expected_mine, expected_base, budget=None, check=None):
    """A table row: both sides, the throughput ratio, the budget and whether it holds."""
    ratio = mine["rps"] / base["rps"] if base["rps"] else 0.0
    clean = trusted(mine, expected_mine) and trusted(base, expected_base)
    holds = None
    if check is not None:
        holds = bool(clean and check(ratio, mine, base))
    return {"figure": figure, "gridcase": cell(mine, expected_mine), "baseline": cell(base, expected_base),
            "ratio": round(ratio, 3), "budget": budget or "—", "holds": holds,
            "raw": {"gridcase": mine, "baseline": base}}


# --- the data the runs need --------------------------------------------------------------------------

def pool_cases(database_url, pool):
    """[(id, version)] of the POST pool's cases still in `found` (each can take `report` once)."""
    from workflows.db import bind, open_database
    from workflows.models import Case

    database = bind(open_database(database_url))
    with database.connection_context():
        query = (Case.select(Case.id, Case.version)
                 .where(Case.id.between(pool["first_id"], pool["last_id"]) & (Case.state == "found"))
                 .order_by(Case.id).tuples())
        return list(query)


def moved(database_url, cases):
    """(cases now `reported`, their `report` history rows) among the given (id, version) pool cases."""
    from workflows.db import bind, open_database
    from workflows.models import Case, CaseEvent

    ids = [case_id for case_id, _version in cases]
    database = bind(open_database(database_url))
    with database.connection_context():
        states = events = 0
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            states += Case.select().where(Case.id.in_(chunk) & (Case.state == "reported")).count()
            events += CaseEvent.select().where(CaseEvent.case.in_(chunk) & (CaseEvent.event == "report")).count()
        return states, events


def write_pool(path, cases):
    """A pool file for post_pool.lua: one "id version" line per case."""
    with open(path, "w") as handle:
        handle.writelines(f"{case_id} {version}\n" for case_id, version in cases)
    return path


def noise_jpeg(size=PHOTO_BYTES, seed=7):
    """A real JPEG of about `size` bytes: random noise, so it does not compress."""
    from PIL import Image

    rng = random.Random(seed)
    width, height = 1600, 1200
    best = None
    for _ in range(6):
        image = Image.frombytes("RGB", (width, height), rng.randbytes(width * height * 3))
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        best = buffer.getvalue()
        if abs(len(best) - size) < size * 0.05:
            break
        scale = (size / len(best)) ** 0.5
        width, height = int(width * scale), int(height * scale)
    return best


def multipart(fields, files, boundary):
    """A multipart/form-data body as a browser sends it."""
    out = io.BytesIO()
    for name, value in fields:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, content_type, content in files:
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                  f"Content-Type: {content_type}\r\n\r\n".encode())
        out.write(content)
        out.write(b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue()


# --- the figures -----------------------------------------------------------------------------------

def board_rows(timing, app, base, manifest, sessions):
    """Grid boards of 50 / 500 / 2,000 open cases at 8 and 32 connections, vs the baseline's."""
    rows = []
    for size in BOARD_SIZES:
        grid = manifest["grids"][str(size)]
        for connections in CONNECTIONS:
            mine = measure(timing, app, f"{app.base}/grids/{grid['code']}/board", connections=connections,
                           headers=sessions[size].replay(), spy=spy_for(app, f"board-{size}-c{connections}"))
            theirs = measure(timing, base, f"{base.base}/board/{grid['id']}", connections=connections)
            if size == 500:
                budget = "≥ 1.5× and p99 ≤ baseline"
                check = lambda ratio, m, b: ratio >= 1.5 and m["p99_ms"] <= b["p99_ms"]  # noqa: E731
            else:
                budget, check = None, None
            rows.append(row(f"grid board, {size} open cases, {connections} conn.", mine, theirs, {200}, {200},
                            budget, check))
            print_row(rows[-1])
    return rows


# An unchanged poll's answer is a 304 of a few hundred bytes; a plain wrk round that read more per
# answer than this fetched whole pages (the board changed during it) and is taken again.
UNCHANGED_MAX_BYTES = 2048
ROUND_RETRIES = 2


def refresh_row(timing, app, base, manifest, sessions):
    """An unchanged board refresh as the htmx poll sends it (If-None-Match → 304), vs /ping."""
    grid = manifest["grids"]["500"]
    client = sessions[500]
    path = f"/grids/{grid['code']}/board"
    poll = {"HX-Request": "true", "HX-Target": "board", "HX-Trigger": "board",
            "HX-Current-URL": f"{app.base}{path}"}

    def unchanged():
        """The poll's headers with the board's ETag as it is now: the data ages in real time and a
        light that turned since the last round would make plain wrk fetch the full page all round."""
        status, got, _text = client.request(path, headers=poll)
        etag = got.get("ETag")
        if status != 200 or not etag:
            raise RuntimeError(f"the board poll answered {status} without an ETag")
        return client.replay() + [f"If-None-Match: {etag}"] + [f"{k}: {v}" for k, v in poll.items()]

    def polls(r):
        """One round of unchanged polls. Plain wrk cannot follow a new ETag: when a light turns during
        its run, every later request of the run fetches the whole 500-case page, and the round
        measures page loads, not polls. Such a round (seen in the bytes wrk read per answer; a 304 is
        a few hundred bytes, the page hundreds of kilobytes) is taken again, at most twice."""
        for _attempt in range(1 + ROUND_RETRIES):
            result = measure(timing, app, app.base + path, connections=8, headers=unchanged(),
                             spy=spy_for(app, "refresh") if r == 0 else None)
            if result["read"] / max(result["requests"], 1) <= UNCHANGED_MAX_BYTES:
                break
            retaken.append(round(result["rps"]))
        return result

    retaken = []
    mine, theirs = alternating(ROUNDS, polls, lambda r: measure(timing, base, base.base + "/ping", connections=8))
    if retaken:
        mine["retaken"] = retaken
    # 2001: a 200 with a new ETag (the board changed during the run, as when a light turns at a
    # deadline); the poll then follows it, as a browser does. 2002: the same new board answering a
    # poll another connection of the thread sent before (see bench/wrk/get.lua). Each round starts
    # from the ETag the board had when it began, so a change is seen once per thread and round.
    changed = mine["statuses"].get(2001, 0)
    if changed > 4 * THREADS * ROUNDS:
        mine["problem"] = f"the board changed {changed} times during the run"
    result = row("unchanged board refresh (304), 500 cases, 8 conn. — vs /ping", mine, theirs, {304, 2001, 2002}, {200},
                 "≥ 0.5×", lambda ratio, m, b: ratio >= 0.5)
    print_row(result)
    return result


class Pool:
    """The POST pool's cases still in `found`, handed out in disjoint slices (one pool file per wrk run)."""

    def __init__(self, cases, workdir):
        self.cases, self.workdir, self.used = cases, workdir, 0

    def take(self, count):
        """A pool file of the next `count` cases; raises PoolExhausted when too few are left."""
        if self.used + count > len(self.cases):
            raise PoolExhausted(len(self.cases) - self.used, count)
        part = self.cases[self.used:self.used + count]
        self.used += count
        return write_pool(os.path.join(self.workdir, f"pool-{self.used}.pool"), part), part


# Upper bounds of requests per second in an event-POST run (a slice of that many seconds' worth).
POST_RATE = {"gridcase": 1200, "baseline": 5000}


def post_rows(timing, app, base, manifest, sessions, workdir):
    """A case event POST (report) signed in with CSRF, each on another case, vs the one-row transition.

    Throughput from wrk with a request generator only (post_plain.lua: no response callback), then a
    short run that counts every status (post_pool.lua); each run takes its own slice of the pool."""
    pool = Pool(pool_cases(manifest["db_url"], manifest["post_pool"]), workdir)
    client = sessions["pool"]
    path = "/cases/{id}/events/report"
    body = f"csrf_token={urllib.parse.quote(client.csrf)}&version={{version}}&request_key={{key}}&view=board"
    headers = client.replay() + ["HX-Request: true", "HX-Target: case-{id}",
               f"HX-Current-URL: {app.base}/grids/{manifest['post_pool']['grid']}/board"]
    base_body = "state=reported&version={version}"
    base_path = "/cases/{id}/transition"
    answered_cases = []
    seconds = {"warm": 1, "run": timing.seconds, "check": 1}
    post_timing = Timing(False, timing.seconds)
    post_timing.warmup, post_timing.check = "1s", "1s"

    def run(server, side, target, body_pattern, extra_headers, spy=None):
        rate = POST_RATE[side]
        warm, _ = pool.take(rate * seconds["warm"])
        measured, cases = pool.take(rate * seconds["run"])
        check, checked_cases = pool.take(rate * seconds["check"])
        result = measure(post_timing, server, server.base, "post_plain.lua", [measured, target, body_pattern], 8,
                         extra_headers, warm_args=[warm, target, body_pattern], spy=spy,
                         check=("post_pool.lua", [check, target, body_pattern]))
        if side == "gridcase":
            answered_cases.append((result, cases, checked_cases))
        return result

    mine, theirs = alternating(
        ROUNDS,
        lambda r: run(app, "gridcase", path, body, headers, spy_for(app, "event-post") if r == 0 else None),
        lambda r: run(base, "baseline", base_path, base_body, []))
    # Every answer must be a real transition: each case answered is `reported` with its history row
    # (the queue drained after wrk stopped may have moved a few more than were counted).
    problems = []
    states = events = 0
    for result, cases, checked_cases in answered_cases:
        moved_states, moved_events = moved(manifest["db_url"], cases)
        states, events = states + moved_states, events + moved_events
        if moved_states < result["requests"] - result.get("not_2xx_3xx", 0) or moved_events != moved_states:
            problems.append(f"{result['requests']} answered but {moved_states} cases reported with "
                            f"{moved_events} history rows")
        checked_states, checked_events = moved(manifest["db_url"], checked_cases)
        if checked_states < result["statuses"].get(200, 0) or checked_events != checked_states:
            problems.append(f"{result['statuses'].get(200, 0)} counted 200 but {checked_states} cases reported")
    if problems:
        mine["problem"] = "; ".join(problems)
    result = row("case event POST (report, signed in, CSRF), 8 conn. — vs one-row transition", mine, theirs,
                 {200}, {200}, "≥ 0.5×", lambda ratio, m, b: ratio >= 0.5)
    result["gridcase"] += f" ({states} cases reported, {events} history rows)"
    print_row(result)
    return result, theirs


def intake_row(timing, app, manifest, sessions, workdir, transition):
    """Intake of a case with one 3 MB photo (multipart, as the form sends it); the transition for scale."""
    client = sessions["pool"]
    code = manifest["post_pool"]["grid"]
    path = f"/cases/new?grid={code}"
    status, _headers, text = client.request(path)
    category = re.search(r'name="category"[^>]*value="(\d+)"', text)
    if status != 200 or not category:
        raise RuntimeError(f"the intake form answered {status} without a category")
    boundary = "----gridcasebench" + secrets.token_hex(8)
    photo = noise_jpeg()
    fields = [("csrf_token", client.csrf), ("intake_key", ""), ("category", category.group(1)),
              ("title", "bench intake"), ("description", "a case recorded by the benchmark"),
              ("building", ""), ("unit", ""), ("location_text", ""), ("lat", ""), ("lng", ""), ("urgency", ""),
              ("source", "patrol"), ("reporter_name", ""), ("reporter_phone", ""), ("note", "")]
    body_file = os.path.join(workdir, "intake.body")
    with open(body_file, "wb") as handle:
        handle.write(multipart(fields, [("photos", "photo.jpg", "image/jpeg", photo)], boundary))
    # A few requests a second at most: a longer run, so the figure rests on enough of them.
    mine = measure(timing.longer(8), app, app.base + path, "upload.lua", [body_file, boundary], 2,
                   client.replay(), spy=spy_for(app, "intake"), check=("upload.lua", [body_file, boundary]))
    result = row(f"intake with one {len(photo) / 1e6:.1f} MB photo, 2 conn. — transition for scale", mine,
                 transition, {303}, {200})
    result["ratio"] = round(result["ratio"], 4)
    print_row(result)
    return result


class PoolExhausted(RuntimeError):
    """The POST pool has too few cases left in `found` for a run: the data must be generated again."""

    def __init__(self, left, needed):
        super().__init__(f"the POST pool has {left} cases left in 'found', a run needs {needed}")
        self.left, self.needed = left, needed


def print_row(result):
    """One figure as soon as it is measured."""
    holds = {True: "yes", False: "NO", None: "—"}[result["holds"]]
    print(f"  {result['figure']}\n    gridcase {result['gridcase']}\n    baseline {result['baseline']}\n"
          f"    ratio {result['ratio']:.2f}  budget {result['budget']}  holds {holds}", flush=True)


def snapshot(ref, workdir):
    """A checkout of commit `ref` to serve (translations compiled), with today's baseline app.

    The work tree may be half-edited while someone works; a commit is what a run should measure
    when figures are compared (before/after a change).
    """
    commit = subprocess.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.strip()
    target = os.path.join(workdir, "src")
    os.makedirs(target)
    archive = subprocess.run(["git", "archive", "--format=tar", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", target], input=archive.stdout, check=True)
    subprocess.run([os.path.join(os.path.dirname(sys.executable), "pybabel"), "-q", "compile", "-d",
                    os.path.join(target, "app", "translations")], check=True)
    os.makedirs(os.path.join(target, "bench"), exist_ok=True)
    for name in ("__init__.py", "baseline.py"):
        shutil.copyfile(os.path.join(ROOT, "bench", name), os.path.join(target, "bench", name))
    print(f"serving commit {commit[:10]} from {os.path.relpath(target, ROOT)}", flush=True)
    return target


@contextlib.contextmanager
def servers(manifest, workdir, source=None):
    """gridcase and the baseline on the manifest's database, each under its own gunicorn."""
    cwd = snapshot(source, workdir) if source else ROOT
    url = manifest["db_url"]
    uploads = os.path.join(workdir, "uploads")
    os.makedirs(uploads)
    gridcase_env = {"DATABASE_URL": url, "SECRET_KEY": secrets.token_hex(32), "UPLOAD_FOLDER": uploads,
                    "SESSION_COOKIE_SECURE": "", "TRUSTED_PROXIES": ""}
    with Server("gridcase", "app:create_app()", gridcase_env, "/login", workdir, cwd) as app, \
            Server("baseline", "bench.baseline:create_app()", {"DATABASE_URL": url}, "/ping", workdir, cwd) as base:
        yield app, base


def run(manifest, quick=False, py_spy=None, source=None, figures=FIGURES):
    """The HTTP figures (of the work tree, or of commit `source`); returns the rows."""
    unknown = set(figures) - set(FIGURES)
    if unknown:
        raise SystemExit(f"unknown HTTP figure(s) {', '.join(sorted(unknown))}: choose from {', '.join(FIGURES)}")
    timing = Timing(quick)
    if py_spy:
        os.makedirs(py_spy, exist_ok=True)
        PROFILE["dir"] = os.path.abspath(py_spy)
    ensure_wrk()
    os.makedirs(DATA, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="http-", dir=DATA)
    try:
        with servers(manifest, workdir, source) as (app, base):
            password = manifest["password"]
            sessions = {size: Client(app.base).sign_in(manifest["grids"][str(size)]["member"], password)
                        for size in BOARD_SIZES}
            sessions["pool"] = Client(app.base).sign_in(manifest["post_pool"]["member"], password)
            for size in BOARD_SIZES:
                # A page after sign-in: the session now carries its CSRF token.
                sessions[size].request(f"/grids/{manifest['grids'][str(size)]['code']}/board")
            sessions["pool"].request(f"/cases/new?grid={manifest['post_pool']['grid']}")
            rows = []
            if "boards" in figures:
                rows += board_rows(timing, app, base, manifest, sessions)
            if "refresh" in figures:
                rows.append(refresh_row(timing, app, base, manifest, sessions))
            if "post" in figures or "intake" in figures:
                # The intake is printed beside the baseline's transition, measured here.
                post, transition = post_rows(timing, app, base, manifest, sessions, workdir)
                rows.append(post)
            if "intake" in figures:
                rows.append(intake_row(timing, app, manifest, sessions, workdir, transition))
            return rows
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def split_names(text):
    """'a, b' -> ('a', 'b')."""
    return tuple(part.strip() for part in text.split(",") if part.strip())


def main(argv=None):
    """Command line: run the HTTP figures for a manifest and write them as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", required=True, help="the boards profile's manifest (bench.generate)")
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("--out", help="write the rows here as JSON")
    parser.add_argument("--py-spy", metavar="DIR", help="record a py-spy flame graph of gridcase per figure")
    parser.add_argument("--commit", metavar="REF", help="serve this commit instead of the work tree")
    parser.add_argument("--figures", default=",".join(FIGURES), help=f"a subset of {','.join(FIGURES)}")
    args = parser.parse_args(argv)
    with open(args.manifest) as handle:
        manifest = json.load(handle)
    rows = run(manifest, args.quick, args.py_spy, args.commit, split_names(args.figures))
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(rows, handle, indent=1, ensure_ascii=False)


if __name__ == "__main__":
    main()
