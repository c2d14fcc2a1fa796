"""The clock's pages: extension forms on the case page, notices and the 通报, admin calendar and limits, the sweep command."""
from datetime import date, datetime, timedelta

from tests.factories import T0, new_case, stop_clock
from workflows import calendar, limits
from workflows.clock import Clock, Limit
from workflows.models import CalendarDay, Case, CaseEvent, Notice, NoticeEvent, TimeLimit
from workflows.service import fire
from workflows.sweep import sweep

CLOCK = Clock()
LATER = datetime(2026, 3, 9, 9)


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = T0


def assigned(world):
    case = new_case(world, at=T0)
    fire(case, "report", world.lead, T0, clock=CLOCK)
    fire(case, "dispatch", world.community, T0, clock=CLOCK, department=world.sanitation.id)
    return case


def test_extension_asked_and_approved_through_the_case_page(login, app_world, clock):
    case = assigned(app_world)
    clock.set(T0 + timedelta(hours=1))
    handler = login("handler")
    page = f"/cases/{case.id}"
    html = handler.get(page).get_data(as_text=True)
    assert "申请延期" in html and 'type="datetime-local" name="requested_deadline"' in html
    bad = handler.post(f"/cases/{case.id}/events/request_extension",
                       {"version": case.version, "requested_deadline": "2026-03-01T10:00", "reason": "材料未到"},
                       token_from=page)
    assert bad.status_code == 400 and "新期限必须晚于当前期限" in bad.get_data(as_text=True)
    assert CaseEvent.select().where(CaseEvent.event == "request_extension").count() == 0
    ok = handler.post(f"/cases/{case.id}/events/request_extension",
                      {"version": case.version, "requested_deadline": "2026-03-10T17:30", "reason": "材料未到"},
                      token_from=page)
    assert ok.status_code == 303
    community = login("community")
    html = community.get(page).get_data(as_text=True)
    assert "批准延期" in html and "不予延期" in html
    response = community.post(f"/cases/{case.id}/events/approve_extension",
                              {"version": Case.get_by_id(case.id).version}, token_from=page)
    assert response.status_code == 303
    saved = Case.get_by_id(case.id)
    assert saved.deadline == datetime(2026, 3, 10, 17, 30) and saved.warn_at == datetime(2026, 3, 9, 14, 48)
    assert CaseEvent.get(CaseEvent.event == "approve_extension").actor_id == app_world.community.id


def test_notices_list_page_print_and_answer(login, app_world, clock):
    case = assigned(app_world)
    sweep(LATER, CLOCK)
    notice = Notice.get()
    clock.set(LATER + timedelta(hours=1))
    handler = login("handler")
    listing = handler.get("/notices?mine=1").get_data(as_text=True)
    assert notice.number in listing and "待签收" in listing and "light-green" in listing
    page = f"/notices/{notice.id}"
    html = handler.get(page).get_data(as_text=True)
    assert "签收" in html and "环卫所" in html
    printed = handler.get(f"{page}/print").get_data(as_text=True)
    assert "督办通知单" in printed and notice.number in printed and "（盖章）" in printed and "css/print.css" in printed
    assert login("police_handler").get(page).status_code == 404
    assert login("member_g2").get(f"{page}/print").status_code == 404
    # Someone who may see it but is not the addressee cannot sign for it.
    supervisor = login("supervisor")
    refused = supervisor.post(f"{page}/sign", {}, token_from=page)
    assert refused.status_code == 403 and Notice.get_by_id(notice.id).status == "pending"
    assert handler.post(f"{page}/sign", {"note": "收到"}, token_from=page).status_code == 303
    empty = handler.post(f"{page}/reply", {"note": " "}, token_from=page)
    assert empty.status_code == 400 and "请填写整改情况" in empty.get_data(as_text=True)
    assert handler.post(f"{page}/reply", {"note": "已清运"}, token_from=page).status_code == 303
    assert supervisor.post(f"{page}/close", {}, token_from=page).status_code == 303
    assert [e.action for e in NoticeEvent.select().order_by(NoticeEvent.id)] == ["sign", "reply", "close"]
    assert handler.post(f"{page}/bogus", {}, token_from=page).status_code == 404
    # The case page lists the notice.
    assert notice.number in handler.get(f"/cases/{case.id}").get_data(as_text=True)


def test_supervisor_issues_a_notice_from_the_case_page(login, app_world, clock):
    case = assigned(app_world)
    clock.set(T0 + timedelta(hours=2))
    page = f"/cases/{case.id}"
    supervisor = login("supervisor")
    assert "发督办通知" in supervisor.get(page).get_data(as_text=True)
    assert "发督办通知" not in login("community").get(page).get_data(as_text=True)
    response = supervisor.post(f"/cases/{case.id}/notices", {"demand": "请两日内完成"}, token_from=page)
    assert response.status_code == 303
    notice = Notice.get()
    assert (notice.manual, notice.demand, notice.issued_at) == (True, "请两日内完成", T0 + timedelta(hours=2))
    assert login("community").post(f"/cases/{case.id}/notices", {}, token_from=page).status_code == 403
    assert login("other_supervisor").post(f"/cases/{case.id}/notices", {}, token_from="/notices").status_code == 404
    supervisor.post(f"/cases/{case.id}/notices", {}, token_from=page)
    third = supervisor.post(f"/cases/{case.id}/notices", {}, token_from=page, follow_redirects=True)
    assert "已发过督办通知和升级督办通知" in third.get_data(as_text=True)
    assert Notice.select().count() == 2


def test_monthly_bulletin_lists_escalated_notices_in_scope(login, app_world, clock):
    case = assigned(app_world)
    sweep(LATER, CLOCK)
    sweep(datetime(2026, 3, 16, 9), CLOCK)
    escalated = Notice.get(Notice.level == 2)
    clock.set(datetime(2026, 3, 20, 10))
    html = login("supervisor").get("/bulletin?month=2026-03").get_data(as_text=True)
    assert escalated.number in html and case.number in html and "环卫所" in html
    assert escalated.number not in login("other_supervisor").get("/bulletin?month=2026-03").get_data(as_text=True)
    assert escalated.number not in login("supervisor").get("/bulletin?month=2026-04").get_data(as_text=True)
    printed = login("supervisor").get("/bulletin/print?month=2026-03").get_data(as_text=True)
    assert "2026年3月超期事件通报" in printed and escalated.number in printed
    assert login("supervisor").get("/bulletin?month=2026-13").status_code == 400


def test_admin_banner_calendar_and_confirmation(login, app_world, clock):
    clock.set(datetime(2026, 11, 20, 10))
    calendar.sync_year(2026, T0)
    calendar.sync_year(2027, T0)
    admin = login("admin")
    html = admin.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert 'id="calendar-banner"' in html and "2026、2027年工作日历尚未确认" in html
    assert "2027-10-01" in html
    assert 'id="calendar-banner"' not in login("supervisor").get("/notices").get_data(as_text=True)
    page = "/admin/calendar?year=2027"
    bad = admin.post("/admin/calendar/days", {"day": "2027-02-30", "kind": "workday"}, token_from=page)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.get_data(as_text=True)
    weekday = admin.post("/admin/calendar/days", {"day": "2027-02-22", "kind": "workday"}, token_from=page)
    assert weekday.status_code == 400 and "本来就是工作日" in weekday.get_data(as_text=True)
    assert admin.post("/admin/calendar/days", {"day": "2027-02-20", "kind": "workday", "note": "春节调休"},
                      token_from=page).status_code == 303
    assert CalendarDay.get_by_id(date(2027, 2, 20)).source == "manual"
    for year in (2026, 2027):
        assert admin.post(f"/admin/calendar/years/{year}/confirm", {}, token_from=page).status_code == 303
    assert 'id="calendar-banner"' not in admin.get(page).get_data(as_text=True)
    assert admin.post("/admin/calendar/days/2027-02-20/clear", {}, token_from=page).status_code == 303
    assert CalendarDay.get_or_none(CalendarDay.day == date(2027, 2, 20)) is None
    for user in ("supervisor", "community", "handler"):
        client = login(user)
        assert client.get(page).status_code == 403
        assert client.post("/admin/calendar/years/2028/confirm", {}, token_from="/notices").status_code == 403


def test_admin_changes_a_limit_from_now_on(login, app_world, clock):
    clock.set(T0)
    admin = login("admin")
    html = admin.get("/admin/limits").get_data(as_text=True)
    assert 'id="limit-assigned-normal"' in html
    page = "/admin/limits"
    for form in ({"state": "assigned", "urgency": "normal", "amount": "x", "unit": "working_days"},
                 {"state": "assigned", "urgency": "", "amount": "2", "unit": "working_days"},
                 {"state": "found", "urgency": "", "amount": "-1", "unit": "hours"},
                 {"state": "found", "urgency": "", "amount": "2", "unit": "fortnights"}):
        assert admin.post(page, form, token_from=page).status_code == 400, form
    assert TimeLimit.select().count() == 0
    assert admin.post(page, {"state": "assigned", "urgency": "normal", "amount": "5", "unit": "working_days"},
                      token_from=page).status_code == 303
    assert limits.limit_at("assigned", "normal") == Limit(5, "working_days")
    assert limits.limit_at("assigned", "normal", T0 - timedelta(seconds=1)) == Limit(3, "working_days")
    assert login("supervisor").get(page).status_code == 403


def test_sweep_command_issues_once(app, app_world):
    assigned(app_world)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["sweep", "--now", "2026-03-09T09:00:00"])
    assert first.exit_code == 0 and "notices issued: 1, escalated: 0" in first.output
    again = runner.invoke(args=["sweep", "--now", "2026-03-09T09:00:00"])
    assert "notices issued: 0, escalated: 0" in again.output
    assert Notice.get().reply_deadline == datetime(2026, 3, 10, 9)
    escalated = runner.invoke(args=["sweep", "--now", "2026-03-16T09:00:00"])
    assert "escalated: 1" in escalated.output


def test_the_app_clock_reads_the_calendar_table(app, app_world):
    from workflows.service import current_clock

    calendar.set_day(date(2026, 3, 3), False, "停工", app_world.admin, T0)
    assert current_clock().deadline(T0, Limit(1, "working_days")) == datetime(2026, 3, 4, 9)


def test_the_demo_sweeper_thread_issues_notices_until_stopped(app, app_world):
    from app.cli import start_sweeper

    assigned(app_world)
    stop_clock(app, LATER)
    stop, thread = start_sweeper(app, every=0.05)
    try:
        for _ in range(200):  # at most ten seconds
            if Notice.select().exists():
                break
            stop.wait(0.05)
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive() and Notice.select().count() == 1


def test_case_page_tells_what_awaits_a_decision_and_when_the_clock_stopped(login, app_world, clock):
    case = assigned(app_world)
    fire(case, "request_extension", app_world.handler, T0, clock=CLOCK, requested_deadline="2026-03-10T17:30",
         reason="材料未到")
    fire(case, "request_suspension", app_world.community, T0, clock=CLOCK, reason="等待法院裁定")
    html = login("supervisor").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "申请延期至2026-03-10 17:30" in html and "材料未到" in html and "等待法院裁定" in html
    fire(case, "approve_suspension", app_world.supervisor, T0, clock=CLOCK)
    html = login("supervisor").get(f"/cases/{case.id}").get_data(as_text=True)
    assert "挂起" in html and "挂起待审批" not in html and "延期待审批" in html


def test_init_db_loads_this_year_and_next_from_the_package(app):
    stop_clock(app, datetime(2026, 11, 20, 10))
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "calendar 2026" in result.output and "calendar 2027" in result.output
    assert CalendarDay.get_by_id(date(2026, 10, 10)).workday
    assert app.test_cli_runner().invoke(args=["calendar-sync", "2028"]).exit_code == 0
    assert CalendarDay.select().where(CalendarDay.day >= date(2028, 1, 1)).exists()
