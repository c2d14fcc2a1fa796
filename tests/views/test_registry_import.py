"""The registry's Excel template, import and export (issue 17): the template round trip; a bad
checksum, an unknown building, a duplicate and a bad date each reported by sheet/row/column with
nothing imported; a second import of the same file changes nothing."""
from datetime import date

import pytest
from openpyxl import load_workbook

from app.exports import xlsx_file
from tests.registry_world import id_number
from tests.views.access_world import snapshot
from workflows.models import Building, Person, PersonTag, RegistryChange, Room, Thing
from workflows.registry.workbook import COLUMNS, EXAMPLE, HOUSES, ORGS, PEOPLE, THINGS, export_sheets

HEADERS = {sheet: [h for h, _f in columns] for sheet, columns in COLUMNS.items()}
P1, P2, P3 = id_number(date(1940, 5, 6), 11), id_number(date(1985, 7, 8), 12), id_number(date(2026, 1, 9), 13)


def rows():
    """A small registry of grid G1 in the template's shape."""
    return {
        HOUSES: [["G1", "7号楼", "和平路7号", 6, "物管", "1单元", "101", 1, "出租", "赵房东", "13700007777"],
                 ["G1", "7号楼", "和平路7号", 6, "物管", "1单元", "102", 1, "自住", "", ""]],
        PEOPLE: [["G1", "7号楼", "1单元", "101", "", "钱老伯", P1, "13800008888", "男", "1940-05-06", "户籍", "户主",
                  "2001-01-01", "独居老人、低保"],
                 ["G1", "7号楼", "1单元", "102", "", "孙女士", P2, "13900009999", "女", "", "常住", "户主", "", ""],
                 ["G1", "7号楼", "1单元", "102", "", "孙宝宝", P3, "", "女", "2026-01-09", "常住", "子女", "", "新生儿"]],
        ORGS: [["G1", "和平超市", "商铺", "和平路7号底商", "周店长", "13600006666", 5, "周店长"]],
        THINGS: [["G1", "JG-G1-007", "井盖", "7号楼北侧", 30.27, 120.15, "损坏"]],
    }


def workbook(path, data):
    xlsx_file(str(path), [(sheet, HEADERS[sheet], data[sheet]) for sheet in COLUMNS])
    return str(path)


@pytest.fixture
def cli(app, app_world):
    runner = app.test_cli_runner()
    return lambda *args: runner.invoke(args=list(args), catch_exceptions=False)


def test_the_template_has_every_sheet_chinese_headers_and_one_example_row_that_import_skips(cli, tmp_path):
    path = str(tmp_path / "template.xlsx")
    assert cli("registry", "template", path).exit_code == 0
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == [HOUSES, PEOPLE, ORGS, THINGS]
    for sheet in book.sheetnames:
        values = list(book[sheet].iter_rows(values_only=True))
        assert list(values[0]) == HEADERS[sheet] and len(values) == 2
        assert [str(v) if v is not None else "" for v in values[1]] == [str(v) for v in EXAMPLE[sheet]]
    book.close()
    before = snapshot()
    result = cli("registry", "import", path)
    assert result.exit_code == 0 and snapshot() == before


def test_import_then_export_gives_back_the_same_rows_and_a_second_import_changes_nothing(cli, app_world, tmp_path):
    path = workbook(tmp_path / "in.xlsx", rows())
    result = cli("registry", "import", path)
    assert result.exit_code == 0, result.output
    granny = Person.get(Person.id_number == P1)
    assert (granny.name, granny.birth_date, granny.status) == ("钱老伯", date(1940, 5, 6), "living")
    assert {t.tag for t in PersonTag.select().where(PersonTag.person == granny.id)} == {"elderly_alone", "subsistence"}
    assert Room.get(Room.number == "101").use == "rented" and Thing.get().condition == "damaged"
    assert Person.get(Person.id_number == P2).birth_date == date(1985, 7, 8)  # from the ID number
    # Export (unmasked) in the same shape: the same rows come back.
    out = tmp_path / "out.xlsx"
    xlsx_file(str(out), export_sheets(app_world.admin, [app_world.g1], reveal=True))
    book = load_workbook(str(out), read_only=True)
    exported = {sheet: [[("" if v is None else v) for v in r] for r in book[sheet].iter_rows(min_row=2, values_only=True)]
                for sheet in book.sheetnames}
    book.close()
    expected = rows()
    expected[PEOPLE][1][9] = "1985-07-08"
    expected[PEOPLE][0][13] = "独居老人、低保"
    for sheet in COLUMNS:
        assert [[str(v) for v in r] for r in exported[sheet]] == [[str(v) for v in r] for r in expected[sheet]], sheet
    # The exported file imported again: nothing changes.
    before = snapshot()
    assert cli("registry", "import", str(out)).exit_code == 0
    assert cli("registry", "import", path).exit_code == 0
    assert snapshot() == before


def test_a_masked_export_hides_id_numbers_and_phones_and_sensitive_tags(cli, app_world, tmp_path):
    data = rows()
    data[PEOPLE][1][13] = "社区矫正"
    assert cli("registry", "import", workbook(tmp_path / "in.xlsx", data)).exit_code == 0
    out = tmp_path / "out.xlsx"
    xlsx_file(str(out), export_sheets(app_world.lead, [app_world.g1]))
    text = str([list(r) for s in load_workbook(str(out), read_only=True).worksheets for r in s.iter_rows(values_only=True)])
    for secret in (P1, P2, "13800008888", "13700007777", "13600006666", "社区矫正"):
        assert secret not in text
    assert P1[:6] + "********" + P1[-4:] in text and "138****8888" in text and "独居老人" in text


BAD_CHECKSUM = P1[:-1] + ("0" if P1[-1] != "0" else "1")


@pytest.mark.parametrize("change, sheet, row, column, words", [
    (lambda d: d[PEOPLE][0].__setitem__(6, BAD_CHECKSUM), PEOPLE, 2, "身份证号", "校验码"),
    (lambda d: d[PEOPLE][1].__setitem__(1, "99号楼"), PEOPLE, 3, "户室", "不存在"),
    (lambda d: d[PEOPLE][2].__setitem__(6, P1), PEOPLE, 4, "身份证号", "重复"),
    (lambda d: d[PEOPLE][0].__setitem__(12, "2026-02-30"), PEOPLE, 2, "迁入日期", "日期"),
    (lambda d: d[HOUSES].append(list(d[HOUSES][0])), HOUSES, 4, "户室", "重复"),
    (lambda d: d[THINGS][0].__setitem__(0, "NOPE"), THINGS, 2, "网格编码", "网格"),
])
def test_each_bad_row_is_reported_by_sheet_row_and_column_and_nothing_is_imported(cli, tmp_path, change, sheet, row,
                                                                                  column, words):
    data = rows()
    change(data)
    before = snapshot()
    result = cli("registry", "import", workbook(tmp_path / "bad.xlsx", data))
    assert result.exit_code == 1
    assert f"{sheet} 第{row}行 {column}：" in result.output and words in result.output, result.output
    assert snapshot() == before


def test_an_id_number_registered_to_someone_else_is_refused(cli, tmp_path):
    assert cli("registry", "import", workbook(tmp_path / "a.xlsx", rows())).exit_code == 0
    data = rows()
    data[PEOPLE][1][5] = "冒名者"
    before = snapshot()
    result = cli("registry", "import", workbook(tmp_path / "b.xlsx", data))
    assert result.exit_code == 1 and "人口 第3行 身份证号：该身份证号已登记为他人" in result.output
    assert snapshot() == before


def test_a_user_imports_only_into_their_own_grid_and_without_sensitive_tags(cli, tmp_path):
    data = rows()
    data[PEOPLE][0][13] = "重点人员"
    result = cli("registry", "import", workbook(tmp_path / "a.xlsx", data), "--user", "lead")
    assert result.exit_code == 1 and "无权设置：重点人员" in result.output
    result = cli("registry", "import", workbook(tmp_path / "b.xlsx", rows()), "--user", "lead_g2")
    assert result.exit_code == 1 and "网格编码不存在或无权导入" in result.output
    result = cli("registry", "import", workbook(tmp_path / "c.xlsx", rows()), "--user", "lead")
    assert result.exit_code == 0
    assert RegistryChange.select().where(RegistryChange.reason == "Excel导入").count() > 0
    assert Building.get(Building.name == "7号楼").grid.code == "G1"


def _token(client, path="/registry/import"):
    import re
    return re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', client.get(path).get_data(as_text=True)).group(1)


def test_the_upload_page_lists_problems_offers_them_as_a_workbook_and_imports_all_or_none(app_world, login, tmp_path):
    import io
    client = login("community")
    template = client.get("/registry/import/template.xlsx")
    assert template.status_code == 200 and template.data[:2] == b"PK"
    data = rows()
    data[PEOPLE][0][6] = BAD_CHECKSUM
    bad = workbook(tmp_path / "bad.xlsx", data)
    token = _token(client)
    before = snapshot()
    response = client.http.post("/registry/import", data={"csrf_token": token,
                                                          "file": (open(bad, "rb"), "bad.xlsx")},
                                content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "<td>人口</td><td>2</td><td>身份证号</td><td>身份证号校验码错误</td>" in html
    assert snapshot() == before
    errors = client.http.post("/registry/import/errors.xlsx", data={"csrf_token": token, "sheet": "人口", "row": "2",
                                                                    "column": "身份证号", "message": "身份证号校验码错误"})
    book = load_workbook(io.BytesIO(errors.data), read_only=True)
    assert list(book.worksheets[0].iter_rows(values_only=True))[1] == ("人口", "2", "身份证号", "身份证号校验码错误")
    response = client.http.post("/registry/import", data={"csrf_token": token, "file": (io.BytesIO(b"not a workbook"),
                                                                                          "x.xlsx")},
                                content_type="multipart/form-data")
    assert response.status_code == 400 and snapshot() == before
    good = workbook(tmp_path / "good.xlsx", rows())
    response = client.http.post("/registry/import", data={"csrf_token": token, "file": (open(good, "rb"), "good.xlsx")},
                                content_type="multipart/form-data")
    assert response.status_code == 200 and 'id="import-done"' in response.get_data(as_text=True)
    assert Person.select().where(Person.id_number.in_([P1, P2, P3])).count() == 3
    # The grid's export is masked.
    export = client.get("/registry/grids/G1/export.xlsx")
    text = str([list(r) for s in load_workbook(io.BytesIO(export.data), read_only=True).worksheets
                for r in s.iter_rows(values_only=True)])
    assert P1 not in text and "钱老伯" in text
