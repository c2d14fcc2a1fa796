"""The assessment page: the hand-computed year of tests/unit/test_assess.py as the street's office sees
it, each automatic figure opening the cases or patrols behind it; another street's office cannot."""
import re

from tests.factories import stop_clock
from tests.unit.test_assess import NOW, build_year


def test_results_formulas_and_drill_down(app, app_world, login):
    stop_clock(app, NOW)
    w, scheme, items, cases = build_year(app_world)
    office = login("street_disp")
    html = office.get(f"/assess?scope={w.street.id}&year=2025").get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-key="(\d+)">(.*?)</tr>', html, re.S))
    assert ">695.0<" in rows[str(w.g1.id)] and ">550.0<" in rows[str(w.g2.id)] and ">0.0<" in rows[str(w.g3.id)]
    assert "满分 ×（1 − 返工件数" in html  # the rework item's formula
    link = f"/assess?scope={w.street.id}&amp;year=2025&amp;item={items['rework'].id}&amp;grid={w.g1.id}"
    assert link in rows[str(w.g1.id)]
    drill = office.get(link.replace("&amp;", "&")).get_data(as_text=True)
    section = re.search(r'<section id="drill".*?</section>', drill, re.S).group(0)
    assert cases["Q"].number in section and cases["P"].number in section  # reworked; and due for closing
    patrols = office.get(f"/assess?scope={w.street.id}&year=2025&item={items['patrol'].id}&grid={w.g1.id}")
    assert patrols.get_data(as_text=True).count("/patrols/") >= 2
    # A manual item, or a grid of another street, has nothing to open.
    assert office.get(f"/assess?scope={w.street.id}&year=2025&item={items['manual'].id}&grid={w.g1.id}").status_code == 404
    assert office.get(f"/assess?scope={w.street.id}&year=2025&item={items['rework'].id}&grid={w.g4.id}").status_code == 404
    assert login("other_street_disp").get(f"/assess?scope={w.street.id}&year=2025").status_code == 404
    assert login("lead").get(f"/assess?scope={w.street.id}&year=2025").status_code == 403
