"""The workbook: typed cells that open in a spreadsheet, text that stays text, flat memory whatever the rows."""
import io
import tracemalloc
from datetime import date, datetime

from openpyxl import load_workbook

from app.exports import _xlsx_chunks

ROWS = 60_000


def test_cells_keep_their_types_and_text_stays_text():
    rows = [
        [1, 2.5, datetime(2026, 10, 8, 9, 30), date(2026, 12, 31), "=HYPERLINK(\"http://x\",\"y\")"],
        ["+8613900000000", "@sum", " 前后空格 ", "控制\x07字符", None],
        ["<b>&amp;</b>", True, "", "_x0041_", 0],
    ]
    data = b"".join(_xlsx_chunks([("台账/2026:11", ["编号", "数", "时间", "日期", "文本"], iter(rows), "标题")]))
    book = load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    assert sheet.title == "台账 2026 11"
    assert sheet.freeze_panes == "A3"
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][0] == "标题" and values[1] == ("编号", "数", "时间", "日期", "文本")
    assert values[2] == (1, 2.5, datetime(2026, 10, 8, 9, 30), datetime(2026, 12, 31), '=HYPERLINK("http://x","y")')
    assert sheet["E3"].data_type == "s" and sheet["A4"].data_type == "s"
    assert values[3][:3] == ("+8613900000000", "@sum", " 前后空格 ")
    assert values[4][0] == "<b>&amp;</b>" and values[4][1] == "True" and values[4][2] is None
    assert values[4][4] == 0
    assert sheet["A4"].quotePrefix and sheet["E3"].quotePrefix and not sheet["C4"].quotePrefix


def test_memory_stays_flat_whatever_the_number_of_rows():
    def rows(count):
        for n in range(count):
            yield [f"GC-{n:08d}", "道路破损需要修复" * 3, datetime(2026, 11, 1, 8, 30), n, "环卫所", "否"]

    peaks = {}
    for count in (ROWS // 6, ROWS):
        tracemalloc.start()
        size = sum(len(chunk) for chunk in _xlsx_chunks([("Ledger", ["a", "b", "c", "d", "e", "f"], rows(count))]))
        peaks[count] = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert size > count * 10
    # Six times the rows, about the same memory: each row goes to disk as it is written.
    assert peaks[ROWS] < 4 * 1024 * 1024 and peaks[ROWS] < 1.5 * peaks[ROWS // 6] + 512 * 1024, peaks


def test_the_file_is_a_workbook_and_nothing_is_left_on_disk(tmp_path, monkeypatch):
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    data = b"".join(_xlsx_chunks([("A", ["x"], iter([[1]])), ("B", ["y"], iter([["二"]]), "说明")]))
    assert data[:4] == b"PK\x03\x04"
    book = load_workbook(io.BytesIO(data))
    assert [s.title for s in book.worksheets] == ["A", "B"] and book.worksheets[1]["A3"].value == "二"
    assert list(tmp_path.iterdir()) == []
