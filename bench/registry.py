"""Registry figures (issue 17), printed beside their budgets; never a test.

  .venv/bin/python -m bench.registry            # 200,000 people; imports of 10,000 and 50,000 rows
  .venv/bin/python -m bench.registry --people 20000 --rows 5000   # a quick look

1. Search over a district of N people (one district office sees them all): the server time of
   GET /registry/search (Flask test client: routing, policy, query, masked page) and of the query
   alone, for a name prefix, an ID tail, a phone tail and an address; median and p95 of 30 runs.
   Budget: <= 100 ms.
2. Import of R people rows (with their houses) from the app's template into a fresh database:
   wall time and the peak growth of the process's resident memory while importing, for a fifth of
   R and for R (memory flat: the two peaks should be alike). Budget: <= 60 s.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta

NOW = datetime(2026, 12, 3, 10, 0)


def rss_mb():
    """The process's resident memory now, in MB (Linux)."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


class PeakRss:
    """Samples resident memory every 20 ms while a block runs."""

    def __enter__(self):
        self.start, self.peak, self.running = rss_mb(), rss_mb(), True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while self.running:
            self.peak = max(self.peak, rss_mb())
            time.sleep(0.02)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()


def fresh_database(path):
    from app.db import migrate
    from workflows.db import bind, open_database

    if os.path.exists(path):
        os.remove(path)
    database = bind(open_database(f"sqlite:///{path}"))
    migrate(database)
    return database


def org(grids):
    """A district, one street, communities of 10 grids each."""
    from workflows.models import OrgUnit

    district = OrgUnit.create(kind="district", code="BD", name="基准区")
    street = OrgUnit.create(kind="street", code="BS", name="基准街道", parent=district)
    out = []
    for c in range(grids // 10):
        community = OrgUnit.create(kind="community", code=f"BC{c:03d}", name=f"社区{c}", parent=street)
        for g in range(10):
            out.append(OrgUnit.create(kind="grid", code=f"BG{c:03d}{g}", name=f"网格{c}-{g}", parent=community))
    return district, out


def people_rows(grids, count, rng):
    """(house row, person row) pairs in the template's shape; ~2.5 people a room."""
    from workflows.registry import check_digit

    surnames, given = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗", "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超霞平刚"
    n = 0
    while n < count:
        grid = grids[n % len(grids)]
        room_no = n // len(grids)
        building, unit, room = f"{room_no // 24 + 1}号楼", f"{room_no // 12 % 2 + 1}单元", f"{room_no % 12 + 101}"
        house = [grid.code, building, f"基准路{room_no // 24 + 1}号", 6, "物管", unit, room, 1, "自住", "", ""]
        for member in range(rng.choice((1, 2, 3, 3, 4))):
            if n >= count:
                break
            born = date(1935, 1, 1) + timedelta(days=n // 10_000 * 997 % 30_000)
            first = f"33010{n % 10}{born:%Y%m%d}{n // 10 % 1000:03d}"
            # Unique by construction: region digit, sequence and birth day are each a function of n.
            id_number = first + check_digit(first)
            name = rng.choice(surnames) + rng.choice(given) + rng.choice(given)
            yield house, [grid.code, building, unit, room, "", name, id_number, f"13{n:09d}", rng.choice(("男", "女")),
                          "", "户籍", "户主" if member == 0 else "子女", "", ""]
            n += 1


def write_workbook(path, grids, count, rng):
    import xlsxwriter

    from workflows.registry.workbook import COLUMNS, HOUSES, ORGS, PEOPLE, THINGS

    houses, people, seen = [], [], set()
    for house, person in people_rows(grids, count, rng):
        key = tuple(house[:2] + house[5:7])
        if key not in seen:
            seen.add(key)
            houses.append(house)
        people.append(person)
    headers = {sheet: [h for h, _f in columns] for sheet, columns in COLUMNS.items()}
    # Shared strings, as Excel saves a filled-in template (the app's own downloads use inline strings,
    # which openpyxl parses several times slower).
    book = xlsxwriter.Workbook(path, {"strings_to_numbers": False, "strings_to_formulas": False,
                                      "strings_to_urls": False})
    for sheet, rows in ((HOUSES, houses), (PEOPLE, people), (ORGS, []), (THINGS, [])):
        ws = book.add_worksheet(sheet)
        ws.write_row(0, 0, headers[sheet])
        for number, row in enumerate(rows, start=1):
            ws.write_row(number, 0, row)
    book.close()
    return len(houses)


def bench_search(scratch, people, app):
    from workflows.models import Person, User
    from workflows.registry import queries
    from workflows.registry.workbook import import_file
    from workflows.service import SystemActor

    db_path = os.path.join(scratch, "search.db")
    fresh_database(db_path)
    rng = random.Random(17)
    district, grids = org(100)
    book = os.path.join(scratch, "district.xlsx")
    t0 = time.perf_counter()
    write_workbook(book, grids, people, rng)
    problems, counts = import_file(book, SystemActor("admin", "bench"), NOW)
    assert not problems, problems[:3]
    print(f"  (built the district: {Person.select().count():,} people in {time.perf_counter() - t0:.0f} s)")
    from app.auth import hash_password
    User.create(username="bench_district", name="区网格办", role="dispatcher", org=district,
                password_hash=hash_password("bench password 2026"))
    office = User.get(User.username == "bench_district")
    sample = Person.select().order_by(Person.id).offset(people // 2).first()
    terms = {"name prefix": sample.name[:2], "ID tail": sample.id_tail, "phone tail": sample.phone_tail,
             "address": "基准路17号"}
    client = app.test_client()
    client.post("/login", data={"username": "bench_district", "password": "bench password 2026"})
    print(f"\nSearch over {people:,} people (district office; budget <= 100 ms server time)")
    print(f"  {'query':<12} {'page median':>12} {'page p95':>9} {'query median':>13} {'rows':>5}")
    for label, term in terms.items():
        page, query = [], []
        for _ in range(30):
            t = time.perf_counter()
            response = client.get("/registry/search", query_string={"q": term})
            page.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
            t = time.perf_counter()
            found = queries.search(office, term)
            query.append((time.perf_counter() - t) * 1000)
        page.sort()
        print(f"  {label:<12} {statistics.median(page):>9.1f} ms {page[28]:>6.1f} ms {statistics.median(query):>10.1f} ms"
              f" {len(found):>5}")


def bench_import(scratch, rows):
    from workflows.models import Person
    from workflows.registry.workbook import import_file
    from workflows.service import SystemActor

    print("\nImport (budget <= 60 s for 50,000 rows; memory flat)")
    print(f"  {'people rows':>11} {'house rows':>10} {'seconds':>8} {'peak RSS growth':>16} {'second import':>14}")
    for count in (rows // 5, rows):
        db_path = os.path.join(scratch, f"import{count}.db")
        fresh_database(db_path)
        rng = random.Random(count)
        _district, grids = org(20)
        book = os.path.join(scratch, f"import{count}.xlsx")
        houses = write_workbook(book, grids, count, rng)
        with PeakRss() as memory:
            t = time.perf_counter()
            problems, counts = import_file(book, SystemActor("admin", "bench"), NOW)
            seconds = time.perf_counter() - t
        assert not problems, problems[:3]
        assert Person.select().count() == count
        t = time.perf_counter()
        problems, again = import_file(book, SystemActor("admin", "bench"), NOW)
        second = time.perf_counter() - t
        assert not problems and not again, again  # a second import changes nothing
        print(f"  {count:>11,} {houses:>10,} {seconds:>7.1f}s {memory.peak - memory.start:>13.0f} MB {second:>12.1f}s")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--skip-import", action="store_true", help="only the search figures")
    args = parser.parse_args(argv)
    from app import create_app

    print("load average at start: %.1f %.1f %.1f on %d cores (figures taken on a busy machine are not the budget's)"
          % (*os.getloadavg(), os.cpu_count()))
    with tempfile.TemporaryDirectory(prefix="gridcase-bench-registry-") as scratch:
        app = create_app({"DATABASE_URL": f"sqlite:///{os.path.join(scratch, 'search.db')}", "SECRET_KEY": "bench",
                          "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False})
        app.extensions["gridcase_now"] = lambda: NOW
        with app.app_context():
            if not args.skip_import:
                bench_import(scratch, args.rows)
            bench_search(scratch, args.people, app)
    print("load average at end: %.1f %.1f %.1f" % os.getloadavg())
    return 0


if __name__ == "__main__":
    sys.exit(main())
