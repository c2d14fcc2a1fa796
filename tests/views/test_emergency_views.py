"""Issue 19: an emergency's red lane on boards and its banner on the offices' homes and boards."""
from tests.factories import T0, new_case


def test_an_emergency_has_its_own_red_lane_and_leaves_the_state_columns(login, app_world, clock):
    clock.set(T0)
    urgent = new_case(app_world, category=app_world.urgent)
    routine = new_case(app_world)
    html = login("lead").get("/grids/G1/board").get_data(as_text=True)
    lane = html.split('id="column-emergency"', 1)[1].split("</section>", 1)[0]
    found = html.split('id="column-found"', 1)[1].split("</section>", 1)[0]
    assert "lane-emergency" in html and f'id="case-{urgent.id}"' in lane and f'id="case-{routine.id}"' not in lane
    assert f'id="case-{routine.id}"' in found and f'id="case-{urgent.id}"' not in found


def test_without_emergencies_the_lane_is_not_shown(login, app_world, clock):
    clock.set(T0)
    new_case(app_world)
    assert 'id="column-emergency"' not in login("lead").get("/grids/G1/board").get_data(as_text=True)


def test_the_offices_above_see_the_banner_at_home_and_others_do_not(login, app_world, clock):
    clock.set(T0)
    urgent = new_case(app_world, category=app_world.urgent)
    community = login("community")
    first = community.get("/queue")
    assert 'id="emergencies"' in first.get_data(as_text=True) and urgent.number in first.get_data(as_text=True)
    assert 'id="emergencies"' in login("supervisor").get("/streets/S1/board").get_data(as_text=True)
    assert 'id="emergencies"' not in login("community2").get("/queue").get_data(as_text=True)
    assert 'id="emergencies"' not in login("handler").get("/queue").get_data(as_text=True)


def test_a_new_emergency_is_never_answered_as_unchanged(login, app_world, clock):
    clock.set(T0)
    community = login("community")
    first = community.get("/queue")
    assert first.status_code == 200 and 'id="emergencies"' not in first.get_data(as_text=True)
    etag = first.headers["ETag"]
    assert community.get("/queue", headers={"If-None-Match": etag}).status_code == 304
    new_case(app_world, category=app_world.urgent)  # recorded in a grid: not (yet) in the queue itself
    again = community.get("/queue", headers={"If-None-Match": etag})
    assert again.status_code == 200 and 'id="emergencies"' in again.get_data(as_text=True)
