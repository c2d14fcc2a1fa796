"""Pointing a case at the registry from the case page: the grid's team and community office find a
person, room, organisation or thing of the case's grid and link it; the record's page lists the case.
Tampered or foreign targets are a 400 and change nothing; others may not link at all."""
import re

import pytest

from tests.factories import new_case
from tests.registry_world import make_registry
from workflows.models import CaseLink

TOKEN = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


@pytest.fixture
def scene(app, app_world):
    w = app_world
    w.registry = make_registry({"g1": w.g1, "g2": w.g2})
    w.case = new_case(w)
    return w


def link(client, case, **data):
    token = TOKEN.search(client.get(f"/registry/cases/{case.id}/links").get_data(as_text=True)).group(1)
    return client.http.post(f"/registry/cases/{case.id}/links", data={"csrf_token": token, **data})


def test_a_member_finds_and_links_a_person_and_both_pages_show_it(scene, login):
    w, member = scene, login("member")
    r = w.registry["g1"]
    page = member.get(f"/cases/{w.case.id}").get_data(as_text=True)
    assert f"/registry/cases/{w.case.id}/links" in page
    found = member.get(f"/registry/cases/{w.case.id}/links?q={r.head.name}").get_data(as_text=True)
    assert r.head.name in found and r.head.id_number not in found and w.registry["g2"].head.name not in found
    assert link(member, w.case, kind="person", target=r.head.id, q=r.head.name).status_code == 303
    assert link(member, w.case, kind="person", target=r.head.id).status_code == 303  # twice: one link
    assert link(member, w.case, kind="thing", target=r.thing.id).status_code == 303
    assert CaseLink.select().where(CaseLink.case == w.case.id).count() == 2
    page = member.get(f"/cases/{w.case.id}").get_data(as_text=True)
    assert r.head.name in page and r.thing.code in page and r.head.id_number not in page
    assert w.case.number in member.get(f"/registry/people/{r.head.id}").get_data(as_text=True)


def test_tampered_or_foreign_targets_are_refused_and_change_nothing(scene, login):
    w, member = scene, login("member")
    other = w.registry["g2"]
    for data in ({"kind": "person", "target": other.head.id},  # another grid's person
                 {"kind": "organisation", "target": other.org.id}, {"kind": "room", "target": other.room.id},
                 {"kind": "person", "target": "9" * 30}, {"kind": "bogus", "target": "1"}, {"kind": "person"},
                 {"kind": "person", "target": "-1"}):
        response = link(member, w.case, **data)
        assert response.status_code == 400, data
    assert CaseLink.select().count() == 0
    assert member.get(f"/registry/cases/{w.case.id}/links?q=" + "x" * 41).status_code == 400


@pytest.mark.parametrize("username, status", [("handler", 403), ("supervisor", 403), ("member_g2", 404),
                                              ("building_head", 403), ("community", 200), ("lead", 200)])
def test_who_may_link(scene, login, username, status):
    assert login(username).get(f"/registry/cases/{scene.case.id}/links").status_code == status
