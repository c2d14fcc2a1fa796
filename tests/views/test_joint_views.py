"""Issue 19 on the web: a dispatch names co-departments (checkboxes); a co-department records its part on the
case page; transfer is one more event form of the holding department."""
from tests.factories import T0, new_case
from workflows.models import Case, CasePart
from workflows.service import fire


def reported(w):
    case = new_case(w, actor=w.lead)
    fire(case, "report", w.lead, T0)
    return Case.get_by_id(case.id)


def test_the_dispatch_form_offers_co_departments_and_records_them(login, app_world, clock):
    clock.set(T0)
    w = app_world
    case = reported(w)
    community = login("community")
    page = community.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'type="checkbox" name="co_departments"' in page
    response = community.post(f"/cases/{case.id}/events/dispatch",
                              {"version": case.version, "department": w.sanitation.id,
                               "co_departments": [str(w.police.id), str(w.district_env.id)]},
                              token_from=f"/cases/{case.id}")
    assert response.status_code in (200, 303)
    assert {p.department_id for p in CasePart.select()} == {w.police.id, w.district_env.id}
    police = login("police_handler")
    page = police.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="case-parts"' in page and "/events/record_part" in page and "/events/rectify" not in page
    case = Case.get_by_id(case.id)
    response = police.post(f"/cases/{case.id}/events/record_part", {"version": case.version, "note": "已配合执法"},
                           token_from=f"/cases/{case.id}")
    assert response.status_code in (200, 303)
    assert CasePart.get(CasePart.department == w.police.id).state == "done"
    lead = login("handler").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "/events/transfer" in lead and "/events/rectify" not in lead  # the environment part is still open


def test_a_bad_co_department_is_a_400_and_changes_nothing(login, app_world, clock):
    clock.set(T0)
    w = app_world
    case = reported(w)
    response = login("community").post(f"/cases/{case.id}/events/dispatch",
                                       {"version": case.version, "department": w.sanitation.id,
                                        "co_departments": [str(w.far_dept.id)]}, token_from=f"/cases/{case.id}")
    assert response.status_code == 400
    assert Case.get_by_id(case.id).state == "reported" and CasePart.select().count() == 0


def test_a_co_departments_queue_lists_its_open_parts(login, app_world, clock):
    clock.set(T0)
    w = app_world
    case = reported(w)
    fire(case, "dispatch", w.community, T0, department=w.sanitation.id, co_departments=str(w.police.id))
    html = login("police_handler").get("/queue").get_data(as_text=True)
    section = html.split('id="queue-parts"', 1)[1].split("</section>", 1)[0]
    assert f'id="case-{case.id}"' in section
    fire(case, "record_part", w.police_handler, T0, note="已配合")
    html = login("police_handler").get("/queue").get_data(as_text=True)
    assert f'id="case-{case.id}"' not in html.split('id="queue-parts"', 1)[1].split("</section>", 1)[0]
