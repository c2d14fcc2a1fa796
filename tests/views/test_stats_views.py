"""The statistics pages: numbers with the cases behind them, scope, exports that match the screen,
rankings published and frozen, weights refused unless they add up to 100."""
import io
import re
from html.parser import HTMLParser

import pytest
from openpyxl import load_workbook

from tests.unit.test_stats import NOW, build_month
from workflows.models import RankingPublication, ScoreWeights
from tests.factories import stop_clock

MARCH = "kind=month&month=2026-03"


@pytest.fixture
def month_world(app, app_world):
    """The fixture month, with the app's clock stopped at NOW."""
    stop_clock(app, NOW)
    app_world.cases = build_month(app_world)
    return app_world


class Cells(HTMLParser):
    """The text of every <tr data-key> row's cells in a table, by the cell's data-counter / data-rate."""

    def __init__(self, table_id):
        super().__init__()
        self.table_id, self.inside, self.rows, self.row, self.cell, self.text = table_id, False, {}, None, None, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == self.table_id:
            self.inside = True
        elif self.inside and tag == "tr" and "data-key" in attrs:
            self.row = self.rows.setdefault(attrs["data-key"], {})
        elif self.inside and self.row is not None and tag in ("td", "th"):
            self.cell = attrs.get("data-counter") or attrs.get("data-rate") or "name"
            self.text = []

    def handle_endtag(self, tag):
        if tag == "table" and self.inside:
            self.inside = False
        elif tag in ("td", "th") and self.cell:
            self.row[self.cell] = " ".join("".join(self.text).split())
            self.cell = None
        elif tag == "tr":
            self.row = None

    def handle_data(self, data):
        if self.cell:
            self.text.append(data)


def table(html, table_id="dimension-table"):
    """Rows of a table by data-key; for the dimension table, its counts table merged in."""
    parser = Cells(table_id)
    parser.feed(html)
    if table_id == "dimension-table":
        counts = table(html, "dimension-counts")
        for key, row in parser.rows.items():
            row.update(counts.get(key, {}))
    return parser.rows


def test_statistics_page_shows_each_indicator_with_its_numbers(login, month_world):
    w = month_world
    html = login("street_disp").get(f"/stats?{MARCH}&dimension=grid").get_data(as_text=True)
    rows = table(html, "dimension-table")
    g1 = rows[str(w.g1.id)]
    assert g1["name"] == "一网格"
    assert g1["recorded"] == "6" and g1["overdue_open"] == "2"
    assert g1["ontime_close_rate"] == "40.0% 2/5"
    assert g1["ontime_close_rate_done"] == "66.7% 2/3"
    assert g1["decline_rate"] == "25.0% 1/4"
    assert g1["score"] == "72.75"
    assert rows[str(w.g3.id)]["ontime_disposal_rate_done"] == "— 0/0"
    # The summary names the formula of every indicator.
    assert "按期结案数 ÷ 应结案数" in html
    # Each number links to its cases.
    assert f'/stats/cases?counter=overdue_undisposed&amp;dimension=grid&amp;key={w.g1.id}&amp;kind=month&amp;month=2026-03' in html
    # The charts get their data from attributes; no inline script.
    assert 'data-chart=\'{"categories"' in html and "<script>" not in html


@pytest.mark.parametrize("dimension", ["community", "street", "department", "category", "person"])
def test_every_dimension_renders(login, month_world, dimension):
    response = login("admin").get(f"/stats?{MARCH}&dimension={dimension}")
    assert response.status_code == 200
    assert len(table(response.get_data(as_text=True), "dimension-table")) >= 1


def test_department_and_person_numbers(login, month_world):
    w = month_world
    html = login("street_disp").get(f"/stats?{MARCH}&dimension=department").get_data(as_text=True)
    rows = table(html, "dimension-table")
    assert rows[str(w.sanitation.id)]["ontime_disposal_rate"] == "33.3% 1/3"
    assert rows[str(w.police.id)]["decline_rate"] == "50.0% 1/2"
    people = table(login("lead").get(f"/stats?{MARCH}&dimension=person").get_data(as_text=True), "dimension-table")
    assert people[str(w.lead.id)]["ontime_verify_rate"] == "50.0% 1/2"


def test_clicking_a_number_lists_the_cases_behind_it(login, month_world):
    w = month_world
    url = f"/stats/cases?counter=overdue_open&dimension=grid&key={w.g1.id}&{MARCH}"
    html = login("street_disp").get(url).get_data(as_text=True)
    listed = set(re.findall(r"2026-\d{6}", html))
    assert listed == {w.cases["C"].number, w.cases["H"].number}
    declines = login("street_disp").get(f"/stats/cases?counter=declines&dimension=department&key={w.police.id}&{MARCH}")
    assert w.cases["C"].number in declines.get_data(as_text=True)


def test_case_lists_and_numbers_respect_scope(login, month_world):
    w = month_world
    other = login("lead_g2")
    html = other.get(f"/stats/cases?counter=recorded&dimension=grid&key={w.g1.id}&{MARCH}").get_data(as_text=True)
    assert not re.findall(r"2026-\d{6}", html)
    rows = table(other.get(f"/stats?{MARCH}&dimension=grid").get_data(as_text=True), "dimension-table")
    assert set(rows) == {str(w.g2.id)}
    handler_rows = table(login("handler").get(f"/stats?{MARCH}&dimension=department").get_data(as_text=True),
                         "dimension-table")
    # The sanitation handler sees the cases now with sanitation: B, C, D. C was first dispatched to the
    # police, who declined it; that is part of C's history, so the police row shows it and nothing else.
    assert handler_rows[str(w.sanitation.id)]["recorded"] == "3"
    police = handler_rows[str(w.police.id)]
    assert (police["recorded"], police["dispatches"], police["declines"]) == ("0", "1", "1")


def test_roles_without_statistics_are_refused(login, client, month_world):
    assert login("member").get("/stats").status_code == 403
    assert login("member").get(f"/stats/cases?counter=recorded&dimension=total&key=total&{MARCH}").status_code == 403
    assert login("handler").get("/stats/rankings").status_code == 403
    assert client.get("/stats").status_code == 302
    assert login("admin").get(f"/stats/cases?counter=nonsense&dimension=grid&key=1&{MARCH}").status_code == 404


def test_a_bad_period_is_refused_with_a_message(login, month_world):
    response = login("admin").get("/stats?kind=month&month=2026-13")
    assert response.status_code == 400 and "“month” 必须是 2000-01 到 2099-12 之间的月份" in response.get_data(as_text=True)


def test_exported_workbook_matches_the_screen(login, month_world):
    street = login("street_disp")
    rows = table(street.get(f"/stats?{MARCH}&dimension=grid").get_data(as_text=True), "dimension-table")
    response = street.get(f"/stats/export.xlsx?{MARCH}&dimension=grid")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.get_data()), read_only=True).worksheets[0]
    lines = list(sheet.iter_rows(values_only=True))
    headers = lines[0]
    by_name = {line[0]: dict(zip(headers, line)) for line in lines[1:]}
    for row in rows.values():
        exported = by_name[row["name"]]
        assert str(exported["立案数"]) == row["recorded"]
        assert str(exported["超期未结数"]) == row["overdue_open"]
        for rate_header, key in (("按期结案率 (%)", "ontime_close_rate"), ("退单率 (%)", "decline_rate")):
            shown = row[key].split()[0]
            value = exported[rate_header]
            assert (f"{value:.1f}%" if value is not None else "—") == shown
        score = exported["综合得分"]
        assert row["score"] == "—" if score is None else float(row["score"]) == score
    assert "合计" in by_name


def test_trend_table_and_json(login, month_world):
    admin = login("admin")
    data = admin.get(f"/stats/trend.json?{MARCH}").get_json()
    assert data["categories"][-1] == "2026-03" and data["data"][-1] is not None
    html = admin.get(f"/stats/trend?{MARCH}").get_data(as_text=True)
    assert "2026-03" in html and "2025-10" in html


def test_publish_then_republish_only_with_a_reason(login, month_world):
    w = month_world
    supervisor = login("supervisor")
    page = f"/stats/rankings?scope={w.street.id}&month=2026-03"
    html = supervisor.get(page).get_data(as_text=True)
    assert "未发布" in html and "一社区" in html
    response = supervisor.post("/stats/rankings/publish", {"scope": w.street.id, "month": "2026-03"}, token_from=page)
    assert response.status_code == 303
    assert RankingPublication.select().count() == 1
    html = supervisor.get(page).get_data(as_text=True)
    assert "已发布" in html and "本月最佳社区：一社区" in html
    again = supervisor.post("/stats/rankings/publish", {"scope": w.street.id, "month": "2026-03"}, token_from=page)
    assert again.status_code == 400 and "请填写重新发布的理由" in again.get_data(as_text=True)
    assert RankingPublication.select().count() == 1
    ok = supervisor.post("/stats/rankings/publish", {"scope": w.street.id, "month": "2026-03", "reason": "更正"},
                         token_from=page)
    assert ok.status_code == 303 and RankingPublication.select().count() == 2
    # Another street's supervisor cannot see or publish this street's ranking.
    other = login("other_supervisor")
    assert other.get(page).status_code == 404
    assert other.post("/stats/rankings/publish", {"scope": w.street.id, "month": "2026-03"},
                      token_from="/stats/rankings").status_code == 404
    # A community dispatcher sees the street's ranking but may not publish it.
    community = login("community")
    assert community.get(page).status_code == 200
    assert community.post("/stats/rankings/publish", {"scope": w.street.id, "month": "2026-03", "reason": "x"},
                          token_from=page).status_code == 403


def test_weights_must_add_up_to_100(login, month_world):
    admin = login("admin")
    form = {"ontime_disposal_rate": 30, "ontime_close_rate": 30, "close_rate": 30}
    response = admin.post("/stats/weights", form, token_from="/stats/weights")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "权重合计为 90，必须等于 100" in html
    assert 'name="close_rate" min="0" max="100" step="1" value="30"' in html  # what was typed is kept
    assert ScoreWeights.select().count() == 0
    form["extension_rate"] = 10
    assert admin.post("/stats/weights", form, token_from="/stats/weights").status_code == 303
    assert ScoreWeights.select().count() == 1
    assert login("supervisor").post("/stats/weights", form, token_from="/stats/weights").status_code == 403
