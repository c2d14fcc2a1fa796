"""Accountability through the app: the monthly command opens records for missed patrols, the lead
confirms on /accountability, the person answers there, and nobody else sees them."""
from workflows.models import Accountability, PatrolRule


def test_command_page_decision_and_answer(app, app_world, login):
    w = app_world
    PatrolRule.create(role="member", grid_type="", period="week", times=1)  # nobody patrolled in March
    runner = app.test_cli_runner()
    result = runner.invoke(args=["accountability", "--month", "2026-03", "--now", "2026-04-02T09:00:00"])
    assert result.exit_code == 0, result.output
    mine = Accountability.get(Accountability.user == w.member.id)
    assert mine.missed >= 3 and mine.status == "open"
    again = runner.invoke(args=["accountability", "--month", "2026-03", "--now", "2026-04-02T09:00:00"])
    assert "opened: 0" in again.output
    assert runner.invoke(args=["accountability", "--month", "2026-13"]).exit_code != 0

    lead = login("lead")
    page = lead.get("/accountability").get_data(as_text=True)
    assert f'id="accountability-{mine.id}"' in page and "待网格长处理" in page
    refused = lead.post(f"/accountability/{mine.id}/decide", {"outcome": "dismiss", "note": ""}, token_from="/accountability")
    assert refused.status_code == 400 and "请说明撤销的理由" in refused.get_data(as_text=True)
    assert Accountability.get_by_id(mine.id).status == "open"
    done = lead.post(f"/accountability/{mine.id}/decide", {"outcome": "confirm", "measure": "written_notice",
                                                           "note": "书面通报"}, token_from="/accountability")
    assert done.status_code == 303
    assert Accountability.get_by_id(mine.id).measure == "written_notice"

    member = login("member")
    page = member.get("/accountability").get_data(as_text=True)
    assert "已确认：书面通报" in page and f'id="accountability-{mine.id}"' in page
    others = Accountability.select().where(Accountability.user != w.member.id)
    assert all(f'id="accountability-{r.id}"' not in page for r in others)
    answered = member.post(f"/accountability/{mine.id}/answer", {"answer": "当月借调社区防汛"},
                           token_from="/accountability")
    assert answered.status_code == 303 and Accountability.get_by_id(mine.id).answer == "当月借调社区防汛"
    assert member.post(f"/accountability/{mine.id}/decide", {"outcome": "confirm", "measure": "talk"},
                       token_from="/accountability").status_code == 403
