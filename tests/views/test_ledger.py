"""The rectification ledger: screen and exports share filters and numbers; text never becomes a formula."""
import csv
import io
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.factories import new_case, stop_clock
from tests.unit.test_stats import NOW, build_month
from workflows import models
from workflows.ledger import COLUMNS
from workflows.service import fire

MARCH = "first=2026-03-01&last=2026-03-31"
HEADERS = ["编号", "标题", "类别", "社区", "网格", "来源", "状态", "职能部门", "发现时间", "上报时间（首次）",
           "派遣时间（最近）", "整改时间（最近）", "核查时间（最近）", "结案时间", "当前时限", "超期", "返工次数",
           "延期次数", "督办通知单编号", "销号状态"]


@pytest.fixture
def month_world(app, app_world):
    stop_clock(app, NOW)
    app_world.cases = build_month(app_world)
    return app_world


def screen_rows(html):
    """{case number: {column: text}} from the ledger table (rows keyed by their id attribute)."""
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.rows, self.row, self.column, self.text = [], None, None, []

        def handle_starttag(self, tag, attrs):
            attrs = dict(attrs)
            if tag == "tr" and (attrs.get("id") or "").startswith("ledger-"):
                self.row = {}
                self.rows.append(self.row)
            elif tag == "td" and self.row is not None:
                self.column, self.text = attrs.get("data-column"), []

        def handle_endtag(self, tag):
            if tag == "td" and self.column:
                self.row[self.column] = "".join(self.text).strip()
                self.column = None
            elif tag == "tr":
                self.row = None

        def handle_data(self, data):
            if self.column:
                self.text.append(data)

    parser = Rows()
    parser.feed(html)
    return {row["number"]: row for row in parser.rows}


def workbook_rows(data):
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    return lines[0], {line[0]: dict(zip(lines[0], line)) for line in lines[1:]}, sheet


def test_ledger_screen_and_workbook_agree(login, month_world):
    w = month_world
    street = login("street_disp")
    html = street.get(f"/ledger?{MARCH}").get_data(as_text=True)
    shown = screen_rows(html)
    march_cases = {w.cases[k].number for k in "ABCDEFGHJ"}
    assert set(shown) == march_cases
    assert "共 9 件" in html
    response = street.get(f"/ledger/export.xlsx?{MARCH}")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.is_streamed
    headers, exported, _ = workbook_rows(response.get_data())
    assert list(headers) == HEADERS
    assert set(exported) == march_cases
    for number, row in shown.items():
        line = exported[number]
        assert str(line["返工次数"]) == row["reworks"]
        assert str(line["延期次数"]) == row["extensions"]
        assert line["超期"] == row["overdue"]
        assert line["销号状态"] == row["status"]
        assert (line["职能部门"] or "") == row["department"]
        found = line["发现时间"]
        assert isinstance(found, datetime) and found.strftime("%Y-%m-%d %H:%M") == row["found_at"]
    b = exported[w.cases["B"].number]
    assert (b["返工次数"], b["超期"], b["销号状态"], b["职能部门"]) == (1, "否", "已销号", "环卫所")
    # B: reported first Mon 10:00; last rectified Wed 09:00; closed Wed 11:00.
    assert b["上报时间（首次）"] == datetime(2026, 3, 2, 10, 0)
    assert b["整改时间（最近）"] == datetime(2026, 3, 4, 9, 0)
    assert b["结案时间"] == datetime(2026, 3, 4, 11, 0)
    c = exported[w.cases["C"].number]
    assert (c["超期"], c["销号状态"], c["当前时限"]) == ("是", "未销号", datetime(2026, 3, 13, 12, 0))
    assert exported[w.cases["E"].number]["销号状态"] == "已作废"


def test_filters_apply_to_screen_and_exports_alike(login, month_world):
    w = month_world
    street = login("street_disp")
    query = f"{MARCH}&status=overdue&org={w.c1.id}"
    shown = screen_rows(street.get(f"/ledger?{query}").get_data(as_text=True))
    # The ledger shows cases as they are now (10 April): G, not yet due at the end of March, is overdue now.
    assert set(shown) == {w.cases[k].number for k in "CGH"}
    _, exported, _ = workbook_rows(street.get(f"/ledger/export.xlsx?{query}").get_data())
    assert set(exported) == set(shown)
    lines = list(csv.reader(io.StringIO(street.get(f"/ledger/export.csv?{query}").get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[0] == HEADERS and {line[0] for line in lines[1:]} == set(shown)
    by_department = screen_rows(street.get(f"/ledger?{MARCH}&department={w.police.id}").get_data(as_text=True))
    assert set(by_department) == {w.cases["H"].number}


def test_ledger_is_scoped(login, month_world):
    w = month_world
    shown = screen_rows(login("lead_g2").get(f"/ledger?{MARCH}").get_data(as_text=True))
    assert set(shown) == {w.cases["D"].number, w.cases["E"].number}
    _, exported, _ = workbook_rows(login("handler").get(f"/ledger/export.xlsx?{MARCH}").get_data())
    assert set(exported) == {w.cases[k].number for k in "BCD"}
    assert login("member").get("/ledger").status_code == 403
    assert login("member").get("/ledger/export.csv").status_code == 403


def test_formula_text_is_exported_as_plain_text(login, app, app_world):
    stop_clock(app, NOW)
    w = app_world
    titles = ['=HYPERLINK("http://x","y")', "+86 138", "-1", "@SUM(A1)"]
    cases = [new_case(w, at=datetime(2026, 3, 2, 9, minute)) for minute in range(len(titles))]
    for case, title in zip(cases, titles):
        models.Case.update(title=title).where(models.Case.id == case.id).execute()
    admin = login("admin")
    data = admin.get(f"/ledger/export.xlsx?{MARCH}").get_data()
    _, exported, sheet = workbook_rows(data)
    for case, title in zip(cases, titles):
        assert exported[case.number]["标题"] == title
    title_cells = [row[1] for row in sheet.iter_rows(min_row=2)]
    assert all(cell.data_type == "s" for cell in title_cells)
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    text = admin.get(f"/ledger/export.csv?{MARCH}").get_data(as_text=True)
    lines = {line[0]: line for line in csv.reader(io.StringIO(text.lstrip("\ufeff")))}
    assert [lines[c.number][1] for c in cases] == ["'" + t for t in titles]


def test_screen_pages_by_keyset(login, app, app_world, monkeypatch):
    from app.views import ledger

    stop_clock(app, NOW)
    monkeypatch.setattr(ledger, "SCREEN_PAGE", 2)
    numbers = [new_case(app_world, at=datetime(2026, 3, 2, 9, m)).number for m in range(5)]
    admin = login("admin")
    html = admin.get("/ledger").get_data(as_text=True)
    assert list(screen_rows(html)) == numbers[:2]
    last_id = models.Case.get(models.Case.number == numbers[1]).id
    assert f"after={last_id}" in html
    assert list(screen_rows(admin.get(f"/ledger?after={last_id}").get_data(as_text=True))) == numbers[2:4]


def test_every_column_has_a_header():
    assert len(COLUMNS) == len(HEADERS)


def test_notice_numbers_are_listed(login, month_world):
    """A supervisor's notice on a case shows in the ledger under its number."""
    from workflows.clock import Clock
    from workflows.notices import issue_by_hand

    w = month_world
    case = w.cases["C"]
    notice = issue_by_hand(case, w.supervisor, NOW, Clock(), demand="限期整改")
    _, exported, _ = workbook_rows(login("street_disp").get(f"/ledger/export.xlsx?{MARCH}").get_data())
    assert exported[case.number]["督办通知单编号"] == notice.number


def test_extension_counts_are_listed(login, month_world):
    w = month_world
    case = new_case(w, at=datetime(2026, 3, 2, 9))
    fire(case, "report", w.member, datetime(2026, 3, 2, 9, 10))
    fire(case, "escalate", w.lead, datetime(2026, 3, 2, 9, 20), reason="报社区")
    fire(case, "dispatch", w.community, datetime(2026, 3, 2, 9, 30), department=w.sanitation.id)
    fire(case, "request_extension", w.handler, datetime(2026, 3, 3, 9), requested_deadline="2026-03-27T17:00",
         reason="天气原因")
    fire(case, "approve_extension", w.community, datetime(2026, 3, 3, 10))
    shown = screen_rows(login("street_disp").get(f"/ledger?{MARCH}").get_data(as_text=True))
    assert shown[case.number]["extensions"] == "1"
