"""Spreadsheet downloads: Excel workbooks written by XlsxWriter, and CSV streamed.

A workbook is written by XlsxWriter in its constant-memory mode: each row is written to a
temporary file on disk as it comes (never more than one row in memory), the rows being read
from the database a page at a time; when the last row is written XlsxWriter zips the parts
into one file, which is then sent in chunks and removed. Memory stays flat whatever the number
of rows; the first byte leaves once the workbook is complete (XlsxWriter zips at the end).
Texts are strings whatever they look like (no formula, number or link is made of them), and a
cell that reads "=HYPERLINK(…)", "+86…" or "@x" is marked to stay text even when edited.

A CSV is streamed row by row as the rows are read: its first bytes leave at once.
"""
import csv
import io
import math
import os
import re
import tempfile
from datetime import date, datetime

import xlsxwriter
from flask import Response, stream_with_context

CHUNK = 64 * 1024
# Text a spreadsheet would take for a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Text as text: XlsxWriter's write() would otherwise turn "=…" into a formula, "http…" into a link.
WORKBOOK_OPTIONS = {"constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
                    "strings_to_numbers": False}


def xlsx_response(filename, sheets):
    """A workbook download; `sheets` is a list of (title, headers, rows) or (title, headers, rows, caption),
    rows being iterables of values. A caption is a bold line above the headers."""
    return _download(_xlsx_chunks(sheets), XLSX, filename)


def csv_response(filename, headers, rows):
    """A streamed CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese)."""
    return _download(_csv_chunks(headers, rows), "text/csv; charset=utf-8", filename)


def _download(chunks, mimetype, filename):
    """An attachment sent in chunks that proxies must not buffer."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Accel-Buffering"] = "no"
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_chunks(sheets):
    """The workbook's bytes, chunk by chunk: written to a temporary folder, sent, removed."""
    with tempfile.TemporaryDirectory(prefix="gridcase-xlsx-") as scratch:
        path = os.path.join(scratch, "workbook.xlsx")
        workbook = xlsxwriter.Workbook(path, {**WORKBOOK_OPTIONS, "tmpdir": scratch})
        styles = _styles(workbook)
        for index, sheet in enumerate(sheets, start=1):
            title, headers, rows, caption = sheet if len(sheet) == 4 else (*sheet, None)
            _worksheet(workbook.add_worksheet(_sheet_title(title, index)), styles, headers, rows, caption)
        workbook.close()
        with open(path, "rb") as handle:
            while chunk := handle.read(CHUNK):
                yield chunk


def _styles(workbook):
    """The cell formats: header, date and time, date, and text that must stay text."""
    return {
        "header": workbook.add_format({"bold": True, "bg_color": "#EEF1F6", "border": 1}),
        "datetime": workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "quoted": workbook.add_format({"quote_prefix": True}),
    }


def _worksheet(sheet, styles, headers, rows, caption):
    """One worksheet: caption, frozen header row, column widths, then the rows as they come."""
    top = 2 if caption else 1
    sheet.freeze_panes(top, 0)
    for column, header in enumerate(headers):
        sheet.set_column(column, column, max(10, min(40, 2 * len(str(header)) + 2)))
    number = 0
    if caption:
        sheet.write_string(0, 0, _text(caption), styles["header"])
        number = 1
    for column, header in enumerate(headers):
        sheet.write_string(number, column, _text(header), styles["header"])
    for number, row in enumerate(rows, start=number + 1):
        for column, value in enumerate(row):
            _cell(sheet, styles, number, column, value)


def _cell(sheet, styles, row, column, value):
    """One cell, typed: numbers as numbers, times as dated serial numbers, everything else as text."""
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, column, value, styles["datetime"])
    elif isinstance(value, date):
        sheet.write_datetime(row, column, datetime.combine(value, datetime.min.time()), styles["date"])
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        sheet.write_number(row, column, value)
    else:
        text = _text(value)
        # Excel keeps it text even when someone edits the cell later.
        sheet.write_string(row, column, text, styles["quoted"] if text.startswith(FORMULA_STARTS) else None)


# Characters XML 1.0 cannot carry (XlsxWriter writes the rest of the C0 controls as _xHHHH_).
_UNSAFE = re.compile("[\ufffe\uffff\ud800-\udfff]")


def _text(value):
    """A value as cell text."""
    return _UNSAFE.sub("\ufffd", str(value))


def _sheet_title(title, index):
    """A legal worksheet name: at most 31 characters, none of []:*?/\\ ."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()[:31]
    return cleaned or f"Sheet{index}"


def _csv_chunks(headers, rows):
    """The header line at once, then rows in chunks of about 64 KiB."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([csv_cell(h) for h in headers])
    yield buffer.getvalue().encode("utf-8")
    buffer.seek(0)
    buffer.truncate()
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def csv_cell(value):
    """A CSV field; text a spreadsheet would run as a formula gets a leading apostrophe."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def xlsx_file(path, sheets):
    """The same workbook written to a file (the command line's template and export)."""
    with open(path, "wb") as handle:
        for chunk in _xlsx_chunks(sheets):
            handle.write(chunk)
