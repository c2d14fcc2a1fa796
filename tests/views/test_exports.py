"""The streamed workbook: typed cells that open in a spreadsheet, bytes before the rows are all read, flat memory."""
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


def test_the_first_bytes_leave_before_the_rows_are_read_and_memory_stays_flat():
    read = []

    def rows():
        for n in range(ROWS):
            read.append(n)
            yield [f"GC-{n:08d}", "道路破损需要修复" * 3, datetime(2026, 11, 1, 8, 30), n, "环卫所", "否"]

    tracemalloc.start()
    chunks = _xlsx_chunks([("Ledger", ["a", "b", "c", "d", "e", "f"], rows())])
    first = next(chunks)
    read_at_first_byte = len(read)
    size = len(first) + sum(len(chunk) for chunk in chunks)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert first[:4] == b"PK\x03\x04"
    assert read_at_first_byte < ROWS // 10
    assert len(read) == ROWS and size > 1_000_000
    assert peak < 12 * 1024 * 1024 + len(read) * 16  # the list `read` itself grows; the workbook does not
