"""The 1000-point scheme through the pages: the street's office edits its year's scheme, a grid's lead
enters the quarter's self-evaluation, the assessor scores, the year is published and then only corrected
with a reason; other roles and other areas are refused; bad input is a 4xx that changes nothing."""
from datetime import datetime

import pytest

from workflows import assess
from workflows.models import AssessEntry, AssessItem, AssessResult, AssessScheme

NOW = datetime(2026, 1, 10, 10, 0)


@pytest.fixture
def w(app, app_world, clock):
    clock.set(NOW)
    return app_world


def counts():
    return tuple(model.select().count() for model in (AssessScheme, AssessItem, AssessEntry, AssessResult))


def test_the_office_builds_a_scheme_of_1000_points_and_publishes_the_year(login, w):
    office = login("street_disp")
    page = f"/assess?scope={w.street.id}&year=2025"
    assert 'id="assess-edit"' in office.get(page).get_data(as_text=True)
    for data in ({"kind": "auto", "metric": "ontime_close_rate", "title": "按期办结率", "max_points": "600"},
                 {"kind": "manual", "title": "工作台账", "max_points": "400"},
                 {"kind": "deduction", "title": "被通报", "max_points": "100"},
                 {"kind": "veto", "title": "瞒报重大事件"}):
        response = office.post("/assess/items", {"scope": w.street.id, "year": "2025", **data}, token_from=page)
        assert response.status_code == 303, response.get_data(as_text=True)
    scheme = AssessScheme.get()
    assert (scheme.scope_id, scheme.year, assess.scored_total(scheme)) == (w.street.id, 2025, 1000)
    manual = AssessItem.get(AssessItem.title == "工作台账")
    # The lead's self-evaluation, then the assessor's score.
    lead = login("lead")
    assert "工作台账" in lead.get("/assess/self?year=2025").get_data(as_text=True)
    assert lead.post(f"/assess/self/{manual.id}", {"quarter": "1", "points": "380", "note": "台账齐全"},
                     token_from="/assess/self?year=2025").status_code == 303
    assert office.post("/assess/entries", {"grid": w.g1.id, "item": manual.id, "quarter": "1", "points": "350",
                                           "note": "缺两次记录"}, token_from=page).status_code == 303
    stages = {(e.stage, e.points, e.by_id) for e in AssessEntry.select()}
    assert stages == {("self", 380, w.lead.id), ("review", 350, w.street_disp.id)}
    assert office.post("/assess/publish", {"scope": w.street.id, "year": "2025"}, token_from=page).status_code == 303
    assert AssessResult.select().count() == 1
    html = office.get(page).get_data(as_text=True)
    assert 'id="assess-edit"' not in html  # a published scheme no longer changes
    again = office.post("/assess/publish", {"scope": w.street.id, "year": "2025"}, token_from=page)
    assert again.status_code == 400 and AssessResult.select().count() == 1  # again only with a reason
    late = office.post("/assess/entries", {"grid": w.g1.id, "item": manual.id, "quarter": "2", "points": "300"},
                       token_from=page)
    assert late.status_code == 400 and AssessResult.select().count() == 1
    assert office.post("/assess/entries", {"grid": w.g1.id, "item": manual.id, "quarter": "2", "points": "300",
                                           "reason": "补录"}, token_from=page).status_code == 303


def test_scope_other_areas_and_roles_are_refused(login, w):
    scheme = AssessScheme.create(scope=w.street, year=2025, created_at=NOW)
    item = AssessItem.create(scheme=scheme, kind="manual", title="工作台账", max_points=1000, created_at=NOW)
    before = counts()
    other = login("other_street_disp")
    assert other.post("/assess/items", {"scope": w.street.id, "year": "2025", "kind": "manual", "title": "x",
                                        "max_points": "1"}, token_from="/meetings").status_code == 404
    assert other.post(f"/assess/items/{item.id}/retire", {}, token_from="/meetings").status_code == 404
    assert other.post("/assess/entries", {"grid": w.g1.id, "item": item.id, "quarter": "1", "points": "1"},
                      token_from="/meetings").status_code == 404
    assert other.post("/assess/publish", {"scope": w.street.id, "year": "2025"}, token_from="/meetings").status_code == 404
    # A community office neither edits its street's scheme nor reviews; a lead scores only their own grid.
    community = login("community")
    assert community.post("/assess/items", {"scope": w.street.id, "year": "2025", "kind": "manual", "title": "x",
                                            "max_points": "1"}, token_from="/meetings").status_code == 404
    assert community.post("/assess/entries", {"grid": w.g1.id, "item": item.id, "quarter": "1", "points": "1"},
                          token_from="/meetings").status_code == 404
    assert login("lead").post("/assess/entries", {"grid": w.g1.id, "item": item.id, "quarter": "1", "points": "1"},
                              token_from="/meetings").status_code == 403
    assert login("member").get("/assess/self").status_code == 403
    far = AssessItem.create(scheme=AssessScheme.create(scope=w.other_street, year=2025, created_at=NOW),
                            kind="manual", title="外街道", max_points=1000, created_at=NOW)
    before = counts()
    assert login("lead").post(f"/assess/self/{far.id}", {"quarter": "1", "points": "1"},
                              token_from="/meetings").status_code == 404
    assert counts() == before


@pytest.mark.parametrize("path, data", [
    ("/assess/items", {"kind": "manual", "title": "x", "max_points": "1001"}),
    ("/assess/items", {"kind": "manual", "title": "", "max_points": "10"}),
    ("/assess/items", {"kind": "auto", "title": "x", "max_points": "10"}),
    ("/assess/items", {"kind": "bonus", "title": "x", "max_points": "10"}),
    ("/assess/items", {"kind": "manual", "title": "x", "max_points": "10", "year": "9999"}),
    ("/assess/items", {"kind": "manual", "title": "x", "max_points": "abc"}),
    ("/assess/entries", {"grid": "{g1}", "item": "{item}", "quarter": "5", "points": "1"}),
    ("/assess/entries", {"grid": "{g1}", "item": "{item}", "quarter": "1", "points": "1001"}),
    ("/assess/entries", {"grid": "{g1}", "item": "{item}", "quarter": "1", "points": "-1"}),
    ("/assess/entries", {"grid": "{g1}", "item": "99999999999999999999", "quarter": "1", "points": "1"}),
    ("/assess/publish", {"year": "2026"}),
    ("/assess/publish", {"year": "2025"}),  # the items add up to 100, not 1000
])
def test_bad_input_is_a_4xx_and_changes_nothing(login, w, path, data):
    scheme = AssessScheme.create(scope=w.street, year=2025, created_at=NOW)
    item = AssessItem.create(scheme=scheme, kind="manual", title="工作台账", max_points=100, created_at=NOW)
    names = {"g1": w.g1.id, "item": item.id}
    form = {"scope": str(w.street.id), "year": "2025", **{k: v.format(**names) for k, v in data.items()}}
    before = counts()
    response = login("street_disp").post(path, form, token_from="/meetings")
    assert 400 <= response.status_code < 500, response.status_code
    assert counts() == before
