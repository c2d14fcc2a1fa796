"""`make bench`: generate the data (cached), run the HTTP and in-process figures, write the table.

    python -m bench.run [--quick] [--skip-inproc] [--skip-http] [--py-spy DIR]

Writes bench/results/latest.md (and prints it): every figure of gridcase beside its baseline
measured in the same run, the ratio, the budget of issue 7 and whether it holds, with the
facts of the machine it ran on.
"""
import argparse
import fcntl
import importlib.util
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone

from bench import http

ROOT = http.ROOT
DATA = http.DATA
RESULTS = os.path.join(ROOT, "bench", "results")
PROFILES = ("boards", "sweep100k", "sweep1m", "stats100k")


def step(title):
    """A heading on the console."""
    print(f"\n== {title}", flush=True)


def python(*args):
    """Run `python -m …` from the checkout with this interpreter; fail loudly."""
    command = [sys.executable, "-m", *args]
    done = subprocess.run(command, cwd=ROOT)
    if done.returncode:
        raise SystemExit(f"{' '.join(command[1:])} failed with exit code {done.returncode}")


def generate(profiles):
    """Every profile's database (built once, then reused); the boards one copied fresh for HTTP."""
    timings = {}
    for profile in profiles:
        started = time.perf_counter()
        out = os.path.join(DATA, f"{profile}.manifest.json")
        args = ["bench.generate", profile, "--out", out]
        if profile == "boards":
            # A fresh copy: the HTTP run fires events and records cases, the cache stays as built.
            args += ["--db", "sqlite:///" + os.path.join(DATA, "http.db")]
        python(*args)
        timings[profile] = time.perf_counter() - started
    with open(os.path.join(DATA, "boards.manifest.json"), encoding="utf-8") as handle:
        return json.load(handle), timings


def inproc(quick, only=None):
    """The in-process figures (bench.inproc) as rows of the table."""
    if importlib.util.find_spec("bench.inproc") is None:
        print("bench/inproc.py is not there: no in-process figures", flush=True)
        return [{"figure": "in-process figures (sweep, statistics, ledger)", "gridcase": "not measured: "
                 "bench/inproc.py missing", "baseline": "—", "ratio": None, "budget": "—", "holds": False}]
    out = os.path.join(DATA, "inproc.json")
    args = ["bench.inproc", "--data", DATA, "--out", out]
    # Best of 3, as for the sweep: one run of half a second is at the mercy of the machine's noise.
    args += ["--repeat", "1", "--stats-repeat", "1"] if quick else ["--stats-repeat", "3"]
    if only:
        args += ["--only", only]
    python(*args)
    with open(out, encoding="utf-8") as handle:
        figures = json.load(handle)
    return [inproc_row(figure) for figure in figures]


def fmt(value, unit):
    """A number with its unit, to a sensible precision."""
    if value is None:
        return "—"
    if isinstance(value, float):
        text = f"{value:.3g}" if abs(value) < 100 else f"{value:.0f}"
    else:
        text = str(value)
    return f"{text} {unit}".strip()


def inproc_budget(figure):
    """(budget text, holds) for the in-process figures issues 7, 20 and 23 set a budget on."""
    name = figure["name"].lower()
    value, unit, ratio = figure.get("value"), (figure.get("unit") or "").lower(), figure.get("ratio")
    if "sweep" in name and ("1m" in name or "1,000,000" in name or "1000000" in name):
        return "≤ 2× SQL", ratio is not None and ratio <= 2
    if "statistics" in name and "100k" in name:
        return "≤ 0.5 s", value is not None and value <= 0.5
    if "assessment" in name:
        return "≤ 2 s", value is not None and value <= 2
    if "ledger" in name and "first" in name:
        seconds = value / 1000 if unit == "ms" else value
        return "≤ 1 s", value is not None and seconds <= 1
    if "ledger" in name and ("rss" in name or "memory" in name):
        megabytes = value / 1024 if unit in ("kb", "kib") else value
        return "≤ 150 MB", value is not None and megabytes <= 150
    return None, None


def inproc_row(figure):
    """One in-process figure as a table row."""
    unit = figure.get("unit") or ""
    # Whether a budget holds is decided here, on issue 7's numbers, whatever text comes with it.
    budget, holds = inproc_budget(figure)
    baseline = figure.get("baseline")
    ratio = figure.get("ratio")
    if isinstance(baseline, (int, float)) and "sweep" in figure["name"].lower():
        baseline = f"{fmt(baseline, unit)} (one SQL statement)"
    elif isinstance(baseline, (int, float)) and "board" in figure["name"].lower():
        detail = figure.get("detail") or {}
        baseline = (f"{fmt(baseline, unit)} (gridcase's {detail.get('baseline_grid_open_cases', '?')}-case board "
                    f"in a {detail.get('baseline_database_cases', '?'):,}-case database)")
    return {"figure": figure["name"], "gridcase": fmt(figure.get("value"), unit),
            "baseline": fmt(baseline, unit) if isinstance(baseline, (int, float)) else (baseline or "—"),
            "ratio": ratio, "budget": budget or "—", "holds": holds}


def git_commit():
    """The commit measured, marked when the work tree has changes."""
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    # The results an earlier run wrote are not a change to what is measured.
    changed = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench/results")
    return commit + (" (+ uncommitted changes)" if changed else "")


def machine_facts(started_at, load_before):
    """What the figures were measured on."""
    model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    except OSError:
        pass
    wrk_version = subprocess.run([http.ensure_wrk(), "--version"], capture_output=True, text=True).stdout
    from importlib.metadata import version

    return [
        ("date", started_at.strftime("%Y-%m-%d %H:%M UTC")),
        ("git commit", git_commit()),
        ("cores", f"{os.cpu_count()} ({model or platform.machine()})"),
        ("load average before the run", " / ".join(f"{x:.2f}" for x in load_before)),
        ("Python", platform.python_version()),
        ("SQLite", sqlite3.sqlite_version),
        ("gunicorn", f"{version('gunicorn')}, {http.WORKERS} sync workers per app"),
        ("wrk", (wrk_version.split() or ["?", "?"])[1] + f", {http.THREADS} threads"),
    ]


def table(rows):
    """The Markdown table of every figure."""
    lines = ["| figure | gridcase | baseline | ratio | budget | holds |", "|---|---|---|---|---|---|"]
    for r in rows:
        ratio = "—" if r["ratio"] is None else f"{r['ratio']:.2f}" if r["ratio"] >= 0.01 else f"{r['ratio']:.4f}"
        holds = {True: "yes", False: "**NO**", None: "—"}[r["holds"]]
        lines.append(f"| {r['figure']} | {r['gridcase']} | {r['baseline']} | {ratio} | {r['budget']} | {holds} |")
    return "\n".join(lines)


def report(rows, facts, timings, total, quick, million=False):
    """latest.md's text."""
    budgets = [r for r in rows if r["holds"] is not None]
    missed = [r["figure"] for r in budgets if not r["holds"]]
    verdict = (f"All {len(budgets)} budgets hold." if not missed else
               f"{len(missed)} of {len(budgets)} budgets missed: " + "; ".join(missed) + ".")
    generation = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings.items())
    parts = [
        "# gridcase benchmark — " + ("PostgreSQL run" if any(n == "database" for n, _ in facts) else
                                     "1,000,000-case run" if million else "latest run"),
        "",
        f"`make bench{' BENCH_ARGS=--quick' if quick else ' BENCH_ARGS=--million' if million else ''}` — see "
        "bench/README.md for what each figure is "
        "and how to read it. Ratios are gridcase ÷ baseline throughput (for in-process figures, "
        "gridcase's time ÷ the hand-written SQL's), both measured in this run on this machine.",
        "",
        table(rows),
        "",
        verdict,
        "",
        "| machine | |",
        "|---|---|",
        *[f"| {name} | {value} |" for name, value in facts],
        f"| data generation (cached when unchanged) | {generation} |",
        f"| total run time | {total:.0f} s |",
        "",
    ]
    return "\n".join(parts)


def pg_version(url):
    """The PostgreSQL server's version."""
    import psycopg2

    connection = psycopg2.connect(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return cursor.fetchone()[0]
    finally:
        connection.close()


def main(argv=None):
    """Command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter wrk runs (2 s) and in-process runs")
    parser.add_argument("--skip-http", action="store_true", help="only the in-process figures")
    parser.add_argument("--skip-inproc", action="store_true", help="only the HTTP figures")
    parser.add_argument("--py-spy", metavar="DIR", help="record a py-spy flame graph of gridcase per HTTP figure")
    parser.add_argument("--commit", metavar="REF", help="serve this commit over HTTP instead of the work tree")
    parser.add_argument("--http", default=",".join(http.FIGURES),
                        help=f"which HTTP figures, a subset of {','.join(http.FIGURES)}")
    parser.add_argument("--pg", metavar="URL", help="the HTTP figures on PostgreSQL: the boards data copied into "
                        "this database (dropped and made again), 4 workers per app")
    parser.add_argument("--million", action="store_true", help="the 1,000,000-case figures only (board, sweep, "
                        "statistics, ledger export; ~40 min the first time): bench/results/million.md")
    parser.add_argument("--out", default=None, help="default: bench/results/latest.md (postgresql.md with --pg, "
                        "million.md with --million)")
    args = parser.parse_args(argv)
    if args.million:
        args.skip_http = True
    if args.pg:
        args.skip_inproc = True  # the in-process figures run on the generated SQLite files
    started, started_at = time.perf_counter(), datetime.now(timezone.utc)
    load_before = os.getloadavg()
    os.makedirs(DATA, exist_ok=True)
    # One run at a time: two would build the same databases and serve the same http.db copy.
    lock = open(os.path.join(DATA, "run.lock"), "w")  # noqa: SIM115 # held until the process ends
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        raise SystemExit("another bench.run is running (bench/.data/run.lock): wait for it") from None

    step("data")
    profiles = [p for p in PROFILES if not (args.skip_http and p == "boards")]
    if args.million:
        profiles = ["boards", "sweep1m", "stats1m"]
    if args.skip_inproc:
        profiles = ["boards"]
    manifest, timings = generate(profiles)
    if args.pg:
        from bench import pg

        started_copy = time.perf_counter()
        pg.copy(os.path.join(DATA, "http.db"), args.pg)
        timings["copy into PostgreSQL"] = time.perf_counter() - started_copy
        manifest = {**manifest, "db_url": args.pg}
        http.WORKERS = 4

    rows = []
    if not args.skip_http:
        step("HTTP figures (gunicorn + wrk)")
        rows += http.run(manifest, quick=args.quick, py_spy=args.py_spy, source=args.commit,
                         figures=http.split_names(args.http))
    if not args.skip_inproc:
        step("in-process figures")
        rows += inproc(args.quick, only="board1m,sweep1m,stats1m,ledger1m" if args.million else None)

    total = time.perf_counter() - started
    facts = machine_facts(started_at, load_before)
    if args.commit and not args.skip_http:
        facts.insert(2, ("HTTP figures served from", f"commit {args.commit} (a clean checkout)"))
    if args.pg:
        facts.insert(5, ("database", "PostgreSQL " + pg_version(args.pg)))
    text = report(rows, facts, timings, total, args.quick, args.million)
    args.out = args.out or os.path.join(RESULTS, "postgresql.md" if args.pg else
                                        "million.md" if args.million else "latest.md")
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out + ".tmp", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(args.out + ".tmp", args.out)
    with open(os.path.join(DATA, "latest.json"), "w", encoding="utf-8") as handle:
        json.dump(rows, handle, ensure_ascii=False, indent=1)
    step(f"results ({os.path.relpath(args.out, ROOT)})")
    print(text)


if __name__ == "__main__":
    main()
