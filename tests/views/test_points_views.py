"""Points pages: recording, a locked month refusing an edit in Chinese, a correction shown,
publishing by the community, tip-offs, quarters, the yearly ranking and its Excel export."""
import io
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from app.seed import seed_rules
from tests.factories import new_case, stop_clock
from workflows.models import PointEntry, PointMonth, PointPerson, PointRule
from workflows.points import add_person, record_service
from workflows.service import fire

APRIL_2 = datetime(2026, 4, 2, 10, 0)
MONTH_PAGE = "/points/c/C1/2026-04"


@pytest.fixture
def w(app, app_world):
    """The points table, two people of grid 1, and March's services; the clock on 2 April."""
    seed_rules()
    stop_clock(app, APRIL_2)
    app_world.head = add_person(app_world.lead, APRIL_2, name="王楼长", kind="building_head", grid=app_world.g1)
    app_world.volunteer = add_person(app_world.lead, APRIL_2, name="李志愿", kind="volunteer", grid=app_world.g1)
    app_world.errand = PointRule.get(PointRule.code == "R01")
    app_world.mediation = PointRule.get(PointRule.code == "R02")
    app_world.march = record_service(app_world.lead, app_world.head, app_world.mediation, date(2026, 3, 20),
                                     datetime(2026, 3, 20, 17), "调解邻里漏水纠纷")
    record_service(app_world.lead, app_world.volunteer, app_world.errand, date(2026, 3, 21),
                   datetime(2026, 3, 21, 17), "代办医保")
    return app_world


def test_lead_records_a_service(login, w):
    lead = login("lead")
    page = lead.get(MONTH_PAGE).get_data(as_text=True)
    assert "登记服务积分" in page and "王楼长" in page
    response = lead.post("/points/c/C1/services", {"person": w.head.id, "rule": w.errand.id, "day": "2026-04-01",
                                                  "evidence": "疏通下水道，照片存档", "month": "2026-04"},
                         token_from=MONTH_PAGE)
    assert response.status_code == 303 and response.headers["Location"].endswith(MONTH_PAGE)
    entry = PointEntry.select().order_by(PointEntry.id.desc()).get()
    assert (entry.person_id, entry.points, entry.day, entry.recorded_by_id) == (w.head.id, 2, date(2026, 4, 1),
                                                                                 w.lead.id)
    missing = lead.post("/points/c/C1/services", {"person": w.head.id, "rule": w.errand.id, "day": "2026-04-01",
                                                 "evidence": "", "month": "2026-04"}, token_from=MONTH_PAGE)
    assert missing.status_code == 400 and "请填写佐证材料" in missing.get_data(as_text=True)
    assert login("member").post("/points/c/C1/services", {"person": w.head.id, "rule": w.errand.id,
                                                         "day": "2026-04-01", "evidence": "x"},
                                token_from=MONTH_PAGE).status_code == 403
    assert login("lead_g2").post("/points/c/C1/services", {"person": w.head.id, "rule": w.errand.id,
                                                          "day": "2026-04-01", "evidence": "x"},
                                 token_from=MONTH_PAGE).status_code == 403
    assert login("community2").get(MONTH_PAGE).status_code == 404
    assert PointEntry.select().count() == 3


def test_a_locked_month_refuses_an_edit_and_a_correction_is_accepted_and_shown(login, w):
    community = login("community")
    assert login("lead").post("/points/c/C1/2026-03/publish", {}, token_from=MONTH_PAGE).status_code == 403
    published = community.post("/points/c/C1/2026-03/publish", {}, token_from="/points/c/C1/2026-03")
    assert published.status_code == 303 and PointMonth.select().count() == 1
    march = community.get("/points/c/C1/2026-03").get_data(as_text=True)
    assert "已公示" in march and 'id="publish"' not in march

    lead = login("lead")
    before = PointEntry.select().count()
    edit = lead.post("/points/c/C1/services", {"person": w.head.id, "rule": w.errand.id, "day": "2026-03-31",
                                              "evidence": "补登三月服务", "month": "2026-03"},
                     token_from=MONTH_PAGE)
    assert edit.status_code == 400
    html = edit.get_data(as_text=True)
    assert "2026-03积分已公示锁定，不能再修改。如需更正，请登记一条更正记录，计入当月。" in html
    assert "补登三月服务" in html  # the form comes back as typed
    assert PointEntry.select().count() == before

    fix = lead.post(f"/points/entries/{w.march.id}/corrections", {"points": "-1", "reason": "应按代办服务计2分",
                                                                 "month": "2026-03"},
                    token_from="/points/c/C1/2026-03")
    assert fix.status_code == 303 and fix.headers["Location"].endswith(MONTH_PAGE)
    correction = PointEntry.get(PointEntry.corrects == w.march.id)
    assert (correction.points, correction.day, correction.recorder_name) == (-1, date(2026, 4, 2), "lead")
    assert PointEntry.get_by_id(w.march.id).points == 3
    april = lead.get(MONTH_PAGE).get_data(as_text=True)
    assert f"更正第{w.march.id}号记录（2026-03-20）" in april and "应按代办服务计2分" in april
    march = lead.get("/points/c/C1/2026-03").get_data(as_text=True)
    assert f"由第{correction.id}号记录更正：-1分" in march
    bad = lead.post(f"/points/entries/{w.march.id}/corrections", {"points": "0", "reason": "x"},
                    token_from=MONTH_PAGE)
    assert bad.status_code == 400 and "请填写不为0的整数分值" in bad.get_data(as_text=True)
    assert login("lead_g2").post(f"/points/entries/{w.march.id}/corrections", {"points": "1", "reason": "x"},
                                 token_from="/cases").status_code == 403


def test_the_current_month_cannot_be_published(login, w):
    refused = login("community").post("/points/c/C1/2026-04/publish", {}, token_from=MONTH_PAGE)
    assert refused.status_code == 400 and "只能公示已经结束的月份" in refused.get_data(as_text=True)
    assert PointMonth.select().count() == 0


def test_a_tipoff_counts_once_its_case_is_verified(login, w, app):
    case = new_case(w, category=w.complex, source="building_head", at=datetime(2026, 4, 1, 9))
    lead = login("lead")
    recorded = lead.post("/points/c/C1/tipoffs", {"person": w.head.id, "case": case.number,
                                                 "evidence": "楼栋长反映楼顶私搭乱建", "month": "2026-04"},
                         token_from=MONTH_PAGE)
    assert recorded.status_code == 303
    page = lead.get(MONTH_PAGE).get_data(as_text=True)
    assert "待核实的线索" in page and case.number in page
    totals = page.split('id="month-totals"')[1].split("</table>")[0]
    assert "王楼长" not in totals
    twice = lead.post("/points/c/C1/tipoffs", {"person": w.volunteer.id, "case": case.number, "evidence": "重复",
                                              "month": "2026-04"}, token_from=MONTH_PAGE)
    assert twice.status_code == 400 and "该事件的线索积分已经登记过（王楼长）" in twice.get_data(as_text=True)
    unknown = lead.post("/points/c/C1/tipoffs", {"person": w.head.id, "case": "2026-999999", "evidence": "x"},
                        token_from=MONTH_PAGE)
    assert unknown.status_code == 400 and "没有找到这个编号的事件" in unknown.get_data(as_text=True)
    fire(case, "handle", w.member, datetime(2026, 4, 1, 10), note="已制止")
    fire(case, "verify", w.lead, datetime(2026, 4, 2, 9), note="属实")
    page = lead.get(MONTH_PAGE).get_data(as_text=True)
    totals = page.split('id="month-totals"')[1].split("</table>")[0]
    assert "王楼长" in totals and ">5<" in totals
    assert "待核实的线索" not in page


def test_quarter_and_yearly_ranking_with_excel_export(login, w):
    PointPerson.update(name='=HYPERLINK("http://example.invalid","x")').where(
        PointPerson.id == w.volunteer.id).execute()
    record_service(w.lead, w.volunteer, w.errand, date(2026, 4, 1), APRIL_2, "保洁")
    lead = login("lead")
    quarter = lead.get("/points/c/C1/quarters/2026/1").get_data(as_text=True)
    assert "2026年第1季度积分汇总" in quarter and "王楼长" in quarter
    assert lead.get("/points/c/C1/quarters/2026/5").status_code == 404
    ranking = lead.get("/points/ranking?year=2026").get_data(as_text=True)
    assert "2026年度积分排行（前50名）" in ranking and "导出 Excel" in ranking
    assert "和平" not in ranking  # community 1 only
    export = lead.get("/points/ranking.xlsx?year=2026")
    assert export.status_code == 200 and export.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows == [
        (1, '=HYPERLINK("http://example.invalid","x")', "志愿者", "一社区", "一网格", 4, 4),
        (2, "王楼长", "楼栋长", "一社区", "一网格", 3, 3),
    ]
    name_cell = sheet.cell(row=3, column=2)
    assert name_cell.data_type == "s"  # text, never a formula
    assert sheet.cell(row=2, column=1).value == "名次"
    assert login("handler").get("/points/ranking.xlsx").status_code == 403


def test_people_and_the_points_table(login, w):
    lead = login("lead")
    added = lead.post("/points/people", {"name": "张单元长", "kind": "unit_head", "grid": w.g1.id,
                                         "building": w.b1.id, "phone": "13900000000"}, token_from="/points/people")
    assert added.status_code == 303 and PointPerson.get(PointPerson.name == "张单元长").building_id == w.b1.id
    wrong = lead.post("/points/people", {"name": "外人", "kind": "volunteer", "grid": w.g2.id},
                      token_from="/points/people")
    assert wrong.status_code == 403
    assert login("member").get("/points/people").status_code == 403
    table = login("member").get("/points/rules").get_data(as_text=True)
    assert "矛盾调解" in table and "经确认属实" in table
    assert login("lead").post("/points/rules", {"name": "垃圾分类督导", "points": "2"},
                              token_from="/points/rules").status_code == 403
    street = login("street_disp")
    assert street.post("/points/rules", {"name": "垃圾分类督导", "points": "2"},
                       token_from="/points/rules").status_code == 303
    assert PointRule.get(PointRule.name == "垃圾分类督导").section == "other"
