"""In-process figures: the sweep against one set-based SQL statement, a month's statistics, the ledger export.

`python -m bench.inproc [--data bench/.data] [--out inproc.json] [--only sweep100k,...]`

Each figure is printed and written as {name, value, unit, baseline, ratio} (plus budget and
detail where they apply). Databases come from bench.generate's cache (built on first use).

- Sweep: `workflows.sweep.sweep(now, clock)` over 100k and 1M open cases (10% overdue) against
  one hand-written INSERT … SELECT that issues the same level-1 notices, in the same run on the
  same data: each runs inside a transaction that is rolled back, so both see the same database.
  Best of --repeat runs of each, alternating which goes first. ratio = sweep / SQL (budget ≤ 2).
- Statistics: the indicators of workflows.stats for the street and the month of 100k cases, as
  the statistics page computes them (facts_for + overview_and_tallies), timed.
- Ledger: the real Flask route /ledger/export.xlsx (and .csv) in a subprocess with the test client
  (buffered=False), signed in as the street's dispatcher, on a copy of the 100k-case database:
  time to the first body byte (CSV, streamed) or to the whole file (xlsx, sent once XlsxWriter has
  zipped it), and the subprocess's peak RSS (VmHWM, as ru_maxrss
  would be without the parent's peak that Linux folds into a child's at exec) during the export — the high-water mark is reset after sign-in, whose argon2 check takes 64 MiB by design
  (that peak is reported beside it).
- The 1,000,000-case figures (`--only board1m,sweep1m,stats1m,ledger1m`, or `make bench
  BENCH_ARGS=--million`): a 500-case grid's board in a database of 1,000,000 open cases against the
  same-size board of the boards data, the sweep, the statistics and the ledger export of a month of
  1,000,000 cases.
"""
import argparse
import json
import os
import shutil
import subprocess  # nosec B404 # runs this very module as a child process, no shell
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from bench.generate import DATA_DIR, PASSWORD, bench_clock, ensure
from workflows.db import bind, db, open_database

SWEEP_BUDGET = 2.0
FIRST_BYTE_BUDGET = 1.0
RSS_BUDGET_MB = 150


def figure(name, value, unit, baseline=None, budget=None, **detail):
    """One figure, as the JSON row and a printed line."""
    ratio = round(value / baseline, 3) if baseline else None
    row = {"name": name, "value": round(value, 4), "unit": unit, "baseline": None if baseline is None else round(
        baseline, 4), "ratio": ratio}
    if budget is not None:
        row["budget"] = budget
    if detail:
        row["detail"] = detail
    shown = f"{name:<34} {row['value']:>12} {unit}"
    if baseline is not None:
        shown += f"   baseline {row['baseline']} {unit}   ratio {ratio}"
    if budget is not None:
        shown += f"   budget {budget}"
    print(shown, flush=True)
    return row


def _moment(manifest):
    """The `now` the profile was generated for."""
    return datetime.fromisoformat(manifest["now"])


# ---- sweep ----


def hand_sql_notices(now, clock):
    """The level-1 notices of every overdue open case that has none for its step, in one INSERT … SELECT.

    Written by hand from the definitions (who a notice goes to, its number, its reply deadline),
    without peewee: the floor the sweep is measured against.
    """
    from workflows.notices import REPLY_LIMIT

    year = now.year
    base = db.execute_sql("SELECT COALESCE(MAX(sequence), 0) FROM notice WHERE year = ?", (year,)).fetchone()[0]
    sql = """
    INSERT INTO notice (case_id, year, sequence, number, state, step_started_at, level, deadline,
                        addressee_org_id, addressee_department_id, issuer_org_id, issued_at, issued_by_id,
                        issued_by_name, manual, demand, reply_deadline, reply_warn_at, status, reply)
    SELECT c.id, :year, :base + ROW_NUMBER() OVER (ORDER BY c.id),
           '督〔' || :year || '〕第' || printf('%04d', :base + ROW_NUMBER() OVER (ORDER BY c.id)) || '号',
           c.state, c.step_started_at, 1, c.deadline,
           CASE c.state
             WHEN 'assigned' THEN NULL
             WHEN 'reported' THEN CASE c.level WHEN 'grid' THEN c.grid_id WHEN 'community' THEN c.community_id
                                               WHEN 'street' THEN c.street_id
                                               ELSE COALESCE(c.district_id, c.street_id) END
             WHEN 'verified' THEN c.community_id
             ELSE c.grid_id END,
           CASE c.state WHEN 'assigned' THEN c.department_id END,
           c.street_id, :now, NULL, '', 0, '', :reply_deadline, :reply_warn_at, 'pending', ''
    FROM "case" c
    WHERE c.state <> 'closed' AND c.deadline IS NOT NULL AND c.deadline <= :now
      AND NOT EXISTS (SELECT 1 FROM notice n WHERE n.case_id = c.id AND n.state = c.state
                      AND n.step_started_at = c.step_started_at AND n.level = 1)
    """
    params = {"year": year, "base": base, "now": now, "reply_deadline": clock.add(now, REPLY_LIMIT),
              "reply_warn_at": clock.warn_at(now, REPLY_LIMIT)}
    return db.connection().execute(sql, params).rowcount


def _rolled_back(work):
    """Run `work()` in a transaction, time it, roll it back; returns (seconds, result)."""
    with db.atomic() as transaction:
        started = time.perf_counter()
        result = work()
        elapsed = time.perf_counter() - started
        transaction.rollback()
    return elapsed, result


def bench_sweep(profile, data_dir, repeat):
    """sweep() against the hand-written statement on the profile's database."""
    from workflows.sweep import sweep

    path, manifest = ensure(profile, data_dir)
    database = bind(open_database("sqlite:///" + path))
    try:
        now, clock = _moment(manifest), bench_clock()
        overdue = db.execute_sql('SELECT COUNT(*) FROM "case" WHERE state <> ? AND deadline <= ?',
                                 ("closed", now)).fetchone()[0]  # also warms the page cache
        runs = {"sweep": [], "sql": []}
        issued = {}
        for index in range(repeat):
            order = ("sql", "sweep") if index % 2 == 0 else ("sweep", "sql")
            for which in order:
                if which == "sweep":
                    seconds, result = _rolled_back(lambda: sweep(now, clock))
                    issued["sweep"] = result.first + result.escalated
                else:
                    seconds, issued["sql"] = _rolled_back(lambda: hand_sql_notices(now, clock))
                runs[which].append(seconds)
        if issued["sweep"] != issued["sql"] or issued["sql"] != overdue:
            raise RuntimeError(f"the sweep and the statement disagree: {issued}, overdue {overdue}")
        cases = db.execute_sql('SELECT COUNT(*) FROM "case" WHERE state <> ?', ("closed",)).fetchone()[0]
    finally:
        database.close()
    return figure(f"sweep {profile[5:]} open cases", min(runs["sweep"]), "s", baseline=min(runs["sql"]),
                  budget=f"ratio <= {SWEEP_BUDGET}", open_cases=cases, overdue=overdue, notices=issued["sweep"],
                  runs_sweep=[round(r, 3) for r in runs["sweep"]], runs_sql=[round(r, 3) for r in runs["sql"]])


# ---- statistics ----


STATS_BUDGET = 0.5


def bench_stats(data_dir, repeat=1, replay=False, profile="stats100k"):
    """The month's indicators for the street, as the statistics page computes them (grouped SQL)."""
    from workflows import stats, stats_grouped
    from workflows.models import User

    path, manifest = ensure(profile, data_dir)
    database = bind(open_database("sqlite:///" + path))
    try:
        now, clock = _moment(manifest), bench_clock()
        year, month = (int(part) for part in manifest["month"].split("-"))
        period = stats.month(year, month)
        dispatcher = User.get(User.username == manifest["street"]["dispatcher"])
        from workflows.policy import visible_cases

        from peewee import fn

        from workflows.models import CaseEvent, StatsCut, StatsFact, StatsOccurrence, StatsStep

        kept = (StatsCut, StatsFact, StatsOccurrence, StatsStep)
        db.create_tables(kept, safe=True)  # the cached data may predate them
        for model in reversed(kept):
            model.delete().execute()
        started = time.perf_counter()
        stats_grouped.refresh(period, now, clock)
        extra = {"facts_built_s": round(time.perf_counter() - started, 3)}
        # A day's worth of new history: the last 1,000 history rows' cases are replayed again.
        last = CaseEvent.select(fn.MAX(CaseEvent.id)).scalar()
        StatsCut.update(watermark=last - 1000).execute()
        started = time.perf_counter()
        stats_grouped.overview_and_tallies(visible_cases(dispatcher), period, now, clock, ("community", "total"))
        extra["with_1000_new_rows_s"] = round(time.perf_counter() - started, 3)
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            overview, tallies = stats_grouped.overview_and_tallies(
                visible_cases(dispatcher), period, now, clock, ("community", "total"))
            runs.append(time.perf_counter() - started)
        total = tallies["total"]
        recorded = sum(group.counts["recorded"] for group in total.values()) if isinstance(total, dict) else None
        if replay:
            # The case-by-case replay the grouped statements replace, for the ratio and a check that
            # both give the same totals on the big month.
            started = time.perf_counter()
            _, replayed = stats.overview_and_tallies(
                stats.facts_for(visible_cases(dispatcher), period, now, clock), ("community", "total"))
            extra["replay_s"] = round(time.perf_counter() - started, 3)
            same = all(+replayed[dim][key].counts == +tallies[dim][key].counts for dim in replayed
                       for key in replayed[dim]) and all(set(replayed[d]) == set(tallies[d]) for d in replayed)
            if not same:
                raise RuntimeError("the grouped statistics and the replay disagree on the bench month")
            extra["same_as_replay"] = same
    finally:
        database.close()
    return figure(f"statistics month {size_label(profile)} cases", min(runs), "s",
                  budget=f"<= {STATS_BUDGET} s" if profile == "stats100k" else None,
                  runs=[round(r, 3) for r in runs], recorded=recorded, month=manifest["month"], **extra)


# ---- the year's assessment ----

ASSESS_BUDGET = 2.0


def bench_assess(data_dir, repeat=1):
    """The year's 1000-point assessment of the grids of the district around the 100k-case month."""
    from workflows import assess
    from workflows.models import MODELS, OrgUnit, User

    path, manifest = ensure("stats100k", data_dir)
    database = bind(open_database("sqlite:///" + path))
    try:
        now, clock = _moment(manifest), bench_clock()
        year = int(manifest["month"].split("-")[0])
        db.create_tables(MODELS, safe=True)  # the cached data may predate the newer tables
        street = OrgUnit.get(OrgUnit.id == User.get(User.username == manifest["street"]["dispatcher"]).org_id)
        scope = street.parent or street
        admin = User.get(User.role == "admin") if User.select().where(User.role == "admin").exists() else None
        with db.atomic() as transaction:
            actor = admin or type("Bench", (), {"role": "admin", "name": "bench", "org_id": None})()
            scheme = assess.scheme_for(scope, year, actor, now)
            # Every automatic measure (the bench data has no registry: visits and round-ups measure empty tables).
            for title, points, metric in (("按时办结", 200, "ontime_close_rate"), ("返工", 100, "rework_rate"),
                                          ("满意度", 150, "satisfaction_rate"), ("巡查覆盖", 100, "patrol_coverage"),
                                          ("走访覆盖", 100, "visit_coverage"), ("信息更新", 50, "registry_updates"),
                                          ("督办回复", 100, "notice_reply_rate")):
                assess.add_item(scheme, actor, now, kind="auto", title=title, max_points=points, metric=metric)
            assess.add_item(scheme, actor, now, kind="manual", title="队伍建设", max_points=200)
            missing = set(assess.METRICS) - {item.metric for item in assess.items(scheme)}
            if missing:
                raise RuntimeError(f"the bench scheme leaves out {sorted(missing)}: add them")
            started = time.perf_counter()
            data = assess.compute(scheme, now, clock)  # the year's facts are kept on the way
            first = time.perf_counter() - started
            runs = []
            for _ in range(repeat):
                started = time.perf_counter()
                data = assess.compute(scheme, now, clock)
                runs.append(time.perf_counter() - started)
            transaction.rollback()
    finally:
        database.close()
    return figure("assessment year 100k cases", min(runs), "s", budget=f"<= {ASSESS_BUDGET} s",
                  runs=[round(r, 3) for r in runs], first_with_facts_built_s=round(first, 3),
                  grids=len(data["rows"]), scope=scope.name)


# ---- ledger export ----

CHILD = "--ledger-child"


def signed_in_client(url, username):
    """The app on this database and a test client signed in as `username` through /login."""
    import re

    from app import create_app

    app = create_app({"DATABASE_URL": url, "SECRET_KEY": os.urandom(16).hex(), "TESTING": True,
                      "UPLOAD_FOLDER": tempfile.mkdtemp(prefix="bench-uploads-")})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', page).group(1)
    signed = client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
    if signed.status_code != 303:
        raise SystemExit(f"sign-in failed: {signed.status_code}")
    return client


def ledger_child(url, username, query, kind):
    """In the child process: sign in with the test client, stream the export, report timings and RSS."""
    import gc

    client = signed_in_client(url, username)
    signed_in_peak = _peak_rss_kb()
    # Signing in verifies an argon2 hash (64 MiB of memory by design): that peak is the sign-in's,
    # not the export's. Reset the high-water mark to the current RSS so the peak measured is the export's.
    gc.collect()
    reset = _reset_peak_rss()
    before = _peak_rss_kb()
    started = time.perf_counter()
    response = client.get(f"/ledger/export.{kind}?{query}", buffered=False)
    first = None
    size = 0
    for chunk in response.response:
        if chunk and first is None:
            first = time.perf_counter() - started
        size += len(chunk)
    total = time.perf_counter() - started
    response.close()
    peak = _peak_rss_kb()
    print(json.dumps({"status": response.status_code, "first_byte_s": first, "total_s": total, "bytes": size,
                      "rss_before_kb": before, "peak_rss_kb": peak, "signed_in_peak_kb": signed_in_peak,
                      "peak_reset": reset}))


def _peak_rss_kb():
    """This process's peak RSS in KiB: VmHWM, which clear_refs resets; ru_maxrss where /proc is missing.

    ru_maxrss alone will not do in a child process: Linux folds the parent's peak at fork into
    the child's ru_maxrss when it execs, so a big parent makes the child look big.
    """
    import resource

    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _reset_peak_rss():
    """Reset this process's peak RSS to its current RSS (Linux ≥ 4.0: clear_refs 5); False if not possible."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def bench_ledger(data_dir, kinds=("xlsx", "csv"), profile="stats100k"):
    """The ledger export of the month's cases (100k, or 1M) through the real route, in a subprocess."""
    path, manifest = ensure(profile, data_dir)
    size = size_label(profile)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as scratch:
        # A copy: signing in writes a session row, and the cache stays as generated.
        copy = os.path.join(scratch, "ledger.db")
        shutil.copyfile(path, copy)
        query = f"first={manifest['first']}&last={manifest['last']}"
        for kind in kinds:
            done = subprocess.run(  # nosec B603 # this module, fixed arguments
                [sys.executable, "-m", "bench.inproc", CHILD, "sqlite:///" + copy, manifest["street"]["dispatcher"],
                 query, kind], capture_output=True, text=True, check=False, cwd=str(Path(__file__).parent.parent))
            if done.returncode != 0:
                raise RuntimeError(f"ledger child failed: {done.stderr[-2000:]}")
            result = json.loads(done.stdout.strip().splitlines()[-1])
            if result["status"] != 200:
                raise RuntimeError(f"ledger export answered {result['status']}")
            detail = {"total_s": round(result["total_s"], 2), "bytes": result["bytes"], "cases": manifest["cases"]}
            if kind == "csv":
                rows.append(figure(f"ledger {kind} {size} first byte", result["first_byte_s"], "s",
                                   budget=f"<= {FIRST_BYTE_BUDGET} s", **detail))
            else:
                # XlsxWriter zips the workbook once the last row is written: its first byte is its last.
                rows.append(figure(f"ledger {kind} {size} whole file", result["total_s"], "s", **detail))
            rows.append(figure(f"ledger {kind} {size} peak RSS", result["peak_rss_kb"] / 1024, "MB",
                               budget=f"<= {RSS_BUDGET_MB} MB",
                               rss_before_request_mb=round(result["rss_before_kb"] / 1024, 1),
                               sign_in_peak_mb=round(result["signed_in_peak_kb"] / 1024, 1),
                               peak_reset_after_sign_in=result["peak_reset"], **detail))
    return rows


# ---- the board of a 500-case grid in the 1,000,000-case database ----


def size_label(profile):
    """'100k' or '1m' from a profile's name."""
    return profile[len(profile.rstrip("0123456789km")):]


def _board_times(path, code, username, repeat):
    """Seconds per GET of a grid's board (the real route, signed in, full page), best of 3 medians."""
    import statistics

    from workflows.db import db as proxy

    client = signed_in_client("sqlite:///" + path, username)
    url = f"/grids/{code}/board"
    for _ in range(3):  # warm: templates compiled, pages of the database read
        if client.get(url).status_code != 200:
            raise RuntimeError(f"{url} did not answer 200")
    medians = []
    for _ in range(3):
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            response.get_data()
            times.append(time.perf_counter() - started)
        medians.append(statistics.median(times))
    proxy.close()
    return min(medians)


def _grid_and_member(path, code=None):
    """(grid code, its member's username, its open cases, the database's cases) of the first grid
    (or the one named)."""
    from workflows.models import Case, OrgUnit, User

    database = bind(open_database("sqlite:///" + path))
    try:
        grids = OrgUnit.select().where(OrgUnit.kind == "grid")
        grid = grids.where(OrgUnit.code == code).get() if code else grids.order_by(OrgUnit.id).first()
        member = User.get((User.org == grid.id) & (User.role == "member"))
        cases = Case.select().where((Case.grid == grid.id) & (Case.state != "closed")).count()
        total = Case.select().count()
        return grid.code, member.username, cases, total
    finally:
        database.close()


def bench_board(data_dir, repeat=20):
    """The board of a 500-case grid in the 1,000,000-case database (sweep1m), against the board of
    the 500-case grid of the boards profile (~250,000 cases): does the board cost grow with the
    database? Both through the real route in this process, on copies (signing in writes a session)."""
    big, _ = ensure("sweep1m", data_dir)
    small, _ = ensure("boards", data_dir)
    with tempfile.TemporaryDirectory(prefix="bench-board-") as scratch:
        copies = {}
        for name, path in (("big", big), ("small", small)):
            copies[name] = os.path.join(scratch, f"{name}.db")
            shutil.copyfile(path, copies[name])
        code, member, open_cases, total = _grid_and_member(copies["big"])
        s_code, s_member, s_open, s_total = _grid_and_member(copies["small"], "B0500")
        mine = _board_times(copies["big"], code, member, repeat)
        theirs = _board_times(copies["small"], s_code, s_member, repeat)
    return figure("grid board 500 cases in a 1m-case database", mine, "s", baseline=theirs,
                  grid_open_cases=open_cases, database_cases=total,
                  baseline_grid_open_cases=s_open, baseline_database_cases=s_total)


# ---- command line ----

ALL = ("sweep100k", "sweep1m", "stats", "assess", "ledger")
MILLION = ("board1m", "sweep1m", "stats1m", "ledger1m")


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == CHILD:
        ledger_child(*argv[1:])
        return 0
    parser = argparse.ArgumentParser(prog="python -m bench.inproc", description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DATA_DIR), help="the generator's cache directory")
    parser.add_argument("--out", help="write the figures (JSON list) here")
    parser.add_argument("--only", default=",".join(ALL), help=f"comma-separated subset of {','.join(ALL)} "
                        f"(or of the 1,000,000-case figures {','.join(MILLION)})")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each sweep and its statement (best reported)")
    parser.add_argument("--stats-repeat", type=int, default=1, help="runs of the statistics (best reported)")
    parser.add_argument("--stats-replay", action="store_true",
                        help="also time the case-by-case replay and check it gives the same counters")
    args = parser.parse_args(argv)
    wanted = [part.strip() for part in args.only.split(",") if part.strip()]
    unknown = set(wanted) - set(ALL) - set(MILLION)
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(sorted(unknown))}")
    figures = []
    started = time.perf_counter()
    for name in wanted:
        if name.startswith("sweep"):
            figures.append(bench_sweep(name, args.data, args.repeat))
        elif name == "assess":
            figures.append(bench_assess(args.data, args.stats_repeat))
        elif name == "stats":
            figures.append(bench_stats(args.data, args.stats_repeat, args.stats_replay))
        elif name == "stats1m":
            figures.append(bench_stats(args.data, args.stats_repeat, profile="stats1m"))
        elif name == "ledger":
            figures.extend(bench_ledger(args.data))
        elif name == "ledger1m":
            figures.extend(bench_ledger(args.data, profile="stats1m"))
        elif name == "board1m":
            figures.append(bench_board(args.data))
    print(f"in-process figures done in {time.perf_counter() - started:.1f} s", flush=True)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as handle:
            json.dump(figures, handle, ensure_ascii=False, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
