"""Streamed spreadsheet downloads: Excel through XlsxWriter in constant-memory mode, and CSV.

Neither ever holds more than a page of rows in memory. The response headers go out at once;
CSV rows follow as they are read, the workbook once XlsxWriter has packed it (it writes the zip
at close), from a temporary file, in chunks.
"""
import csv
import io
import tempfile
from datetime import date, datetime

import xlsxwriter
from flask import Response, stream_with_context

CHUNK = 64 * 1024
# Text a spreadsheet would take for a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename, sheets):
    """A streamed workbook; `sheets` is a list of (title, headers, rows), rows being iterables of values."""
    return _download(_xlsx_chunks(sheets), XLSX, filename)


def csv_response(filename, headers, rows):
    """A streamed CSV (UTF-8 with a byte-order mark, so Excel reads the Chinese)."""
    return _download(_csv_chunks(headers, rows), "text/csv; charset=utf-8", filename)


def _download(chunks, mimetype, filename):
    """A streamed attachment that proxies must not buffer."""
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Accel-Buffering"] = "no"
    response.headers["Cache-Control"] = "no-store"
    return response


def _xlsx_chunks(sheets):
    """Write the workbook to a temporary file (rows never held in memory), then send it."""
    yield b""  # the status line and headers leave now, before the rows are read
    with tempfile.TemporaryFile() as out:
        workbook = xlsxwriter.Workbook(out, {
            "constant_memory": True,
            # Text is text: "=HYPERLINK(…)", "+86…", "-" or "@x" never become formulas, numbers or links.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        })
        header = workbook.add_format({"bold": True, "bg_color": "#EEF1F6", "border": 1})
        formats = {datetime: workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
                   date: workbook.add_format({"num_format": "yyyy-mm-dd"})}
        for title, headers, rows in sheets:
            sheet = workbook.add_worksheet(title[:31])
            sheet.freeze_panes(1, 0)
            for col, text in enumerate(headers):
                sheet.write_string(0, col, str(text), header)
                sheet.set_column(col, col, max(10, min(40, 2 * len(str(text)) + 2)))
            for row_index, row in enumerate(rows, start=1):
                for col, value in enumerate(row):
                    _write(sheet, row_index, col, value, formats)
        workbook.close()
        out.seek(0)
        while chunk := out.read(CHUNK):
            yield chunk


def _write(sheet, row, col, value, formats):
    """One cell, typed: numbers as numbers, times as times, everything else as text (never a formula)."""
    if value is None or value == "":
        return
    if isinstance(value, datetime):
        sheet.write_datetime(row, col, value, formats[datetime])
    elif isinstance(value, date):
        sheet.write_datetime(row, col, datetime.combine(value, datetime.min.time()), formats[date])
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        sheet.write_number(row, col, value)
    else:
        sheet.write_string(row, col, str(value))


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
