"""My work, the lead's day and tasks through the pages: forms that keep what was typed, no 5xx."""
from datetime import datetime, timedelta

import pytest

from tests.factories import new_case
from workflows.models import Case, CaseEvent, Task, TaskEvent
from workflows.work import give_task

MONDAY = datetime(2026, 3, 2, 9, 30)


@pytest.fixture
def w(app, app_world, clock):
    clock.set(MONDAY)
    return app_world


def test_the_lead_gives_a_task_and_a_refused_form_keeps_what_was_typed(login, w):
    lead = login("lead")
    page = "/grids/G1/today"
    html = lead.get(page).get_data(as_text=True)
    assert "今日工作：一网格" in html and 'id="give-task"' in html
    refused = lead.post("/grids/G1/tasks", {"assignee": w.member_g2.id, "title": "核查消防通道",
                                            "due_at": "2026-03-02T17:00", "instructions": "拍照"}, token_from=page)
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "请选择本网格的网格员或网格长。" in body and "核查消防通道" in body
    late = lead.post("/grids/G1/tasks", {"assignee": w.member.id, "title": "核查", "due_at": "2026-03-01T17:00"},
                     token_from=page)
    assert late.status_code == 400 and "请填写晚于现在的完成时限。" in late.get_data(as_text=True)
    nonsense = lead.post("/grids/G1/tasks", {"assignee": "99999999999999999999", "title": "核查",
                                             "due_at": "9999-99-99"}, token_from=page)
    assert nonsense.status_code == 400
    assert Task.select().count() == 0
    ok = lead.post("/grids/G1/tasks", {"assignee": w.member.id, "title": "核查消防通道", "due_at": "2026-03-02T17:00",
                                       "instructions": "拍照上传"}, token_from=page)
    assert ok.status_code == 303
    task = Task.get()
    assert (task.assignee_id, task.given_by_id, task.due_at, task.instructions) == (
        w.member.id, w.lead.id, datetime(2026, 3, 2, 17), "拍照上传")
    assert "核查消防通道" in lead.get(page).get_data(as_text=True)


def test_the_member_reports_a_task_done_and_the_giver_cannot_cancel_it_after(login, w):
    task = give_task(w.lead, w.g1, w.member, MONDAY, title="核查消防通道", due_at=MONDAY + timedelta(hours=6))
    member = login("member")
    page = f"/tasks/{task.id}"
    html = member.get(page).get_data(as_text=True)
    assert "核查消防通道" in html and 'id="task-done"' in html and 'id="task-cancel"' not in html
    empty = member.post(f"/tasks/{task.id}/done", {"result": "  "}, token_from=page)
    assert empty.status_code == 400 and Task.get_by_id(task.id).state == "open"
    assert member.post(f"/tasks/{task.id}/done", {"result": "通道已清理"}, token_from=page).status_code == 303
    assert Task.get_by_id(task.id).state == "done"
    lead = login("lead")
    again = lead.post(f"/tasks/{task.id}/cancel", {"reason": "重复"}, token_from=page)
    assert again.status_code == 400 and "该任务已结束。" in again.get_data(as_text=True)
    assert [e.event for e in TaskEvent.select().order_by(TaskEvent.id)] == ["give", "done"]
    assert "通道已清理" in lead.get(page).get_data(as_text=True)


def test_my_work_lists_the_held_case_first_and_the_case_says_who_holds_it(login, w):
    case = new_case(w, actor=w.member2, at=MONDAY - timedelta(minutes=30))
    lead = login("lead")
    page = f"/cases/{case.id}"
    assert lead.post(f"/cases/{case.id}/events/give", {"holder": w.member.id, "due": "2026-03-02T11:00",
                                                       "instructions": "到现场核实", "version": case.version},
                     token_from=page).status_code in (200, 303)
    html = lead.get(page).get_data(as_text=True)
    assert "经办人：member" in html and "到现场核实" in html
    mine = login("member").get("/work").get_data(as_text=True)
    assert mine.index(case.number) < mine.index("</ol>") and 'data-kind="held"' in mine


@pytest.mark.parametrize("holder", ["99999999999999999999", "-1", "abc", ""])
def test_giving_to_nobody_is_refused_and_changes_nothing(login, w, holder):
    case = new_case(w, at=MONDAY - timedelta(minutes=30))
    lead = login("lead")
    answer = lead.post(f"/cases/{case.id}/events/give", {"holder": holder, "version": case.version},
                       token_from=f"/cases/{case.id}")
    assert 400 <= answer.status_code < 500
    assert Case.get_by_id(case.id).version == case.version
    assert not CaseEvent.select().where(CaseEvent.event == "give").exists()
