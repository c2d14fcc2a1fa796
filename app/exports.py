"""Streamed spreadsheet downloads: Excel workbooks written as a zip stream, and CSV.

Neither ever holds more than a page of rows in memory, and both start sending at once. An .xlsx
file is a zip of XML parts; the worksheet's XML is produced row by row as the rows are read and
deflated into the zip as it goes (stream-zip, 32-bit zip with data descriptors — what Excel,
WPS and LibreOffice all read), so the first bytes leave before the second page of rows is read
and memory stays flat whatever the number of rows. Texts are inline strings: a cell that reads
"=HYPERLINK(…)", "+86…" or "@x" is text, never a formula, number or link.
"""
import csv
import io
import math
import re
from datetime import date, datetime
from stat import S_IFREG

from flask import Response, stream_with_context
from markupsafe import escape
from stream_zip import ZIP_32, stream_zip

CHUNK = 64 * 1024
# Text a spreadsheet would take for a formula (OWASP's list for CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXCEL_EPOCH = datetime(1899, 12, 30)
# Cell styles, indexes into styles.xml's cellXfs.
PLAIN, HEADER, DATETIME, DATE, QUOTED = range(5)
ROWS_PER_PIECE = 200
# Characters XML 1.0 cannot carry; OOXML writes them as _xHHHH_ (and so escapes a literal "_xHHHH_").
_UNSAFE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|_(?=x[0-9A-Fa-f]{4}_)")


def xlsx_response(filename, sheets):
    """A streamed workbook; `sheets` is a list of (title, headers, rows) or (title, headers, rows, caption),
    rows being iterables of values. A caption is a bold line above the headers."""
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
    """The workbook's zip, chunk by chunk, each worksheet generated while it is zipped."""
    stamp = datetime.now()
    sheets = [sheet if len(sheet) == 4 else (*sheet, None) for sheet in sheets]
    titles = [_sheet_title(title, index) for index, (title, *_rest) in enumerate(sheets, start=1)]
    parts = [
        ("[Content_Types].xml", [_content_types(len(sheets))]),
        ("_rels/.rels", [_RELS]),
        ("xl/workbook.xml", [_workbook(titles)]),
        ("xl/_rels/workbook.xml.rels", [_workbook_rels(len(sheets))]),
        ("xl/styles.xml", [_STYLES]),
    ]
    parts += [(f"xl/worksheets/sheet{index}.xml", _worksheet(headers, rows, caption))
              for index, (_title, headers, rows, caption) in enumerate(sheets, start=1)]
    yield from stream_zip(((name, stamp, S_IFREG | 0o644, ZIP_32, _encoded(data)) for name, data in parts),
                          chunk_size=CHUNK)


def _encoded(pieces):
    """Text pieces as UTF-8 bytes."""
    for piece in pieces:
        yield piece.encode("utf-8")


def _worksheet(headers, rows, caption):
    """One worksheet's XML: frozen header row, column widths, then the rows as they come."""
    top = 2 if caption else 1
    widths = "".join(f'<col min="{i}" max="{i}" width="{max(10, min(40, 2 * len(str(h)) + 2))}" customWidth="1"/>'
                     for i, h in enumerate(headers, start=1))
    yield (f'{_XML}<worksheet xmlns="{_MAIN}"><sheetViews><sheetView workbookViewId="0">'
           f'<pane ySplit="{top}" topLeftCell="A{top + 1}" activePane="bottomLeft" state="frozen"/>'
           f'</sheetView></sheetViews><cols>{widths}</cols><sheetData>')
    number = 0
    if caption:
        number += 1
        yield _row(number, [caption], HEADER)
    number += 1
    yield _row(number, [str(h) for h in headers], HEADER)
    piece = []
    for row in rows:
        number += 1
        piece.append(_row(number, row))
        if len(piece) == ROWS_PER_PIECE:
            yield "".join(piece)
            piece = []
    piece.append("</sheetData></worksheet>")
    yield "".join(piece)


def _row(number, values, style=PLAIN):
    """One row's XML; empty values leave their cells out."""
    cells = "".join(_cell(f"{_column(i)}{number}", value, style) for i, value in enumerate(values)
                    if value is not None and value != "")
    return f'<row r="{number}">{cells}</row>'


def _column(index, _letters=[]):
    """The column letters of a 0-based index: A … Z, AA …"""
    while len(_letters) <= index:
        n, name = len(_letters) + 1, ""
        while n:
            n, rest = divmod(n - 1, 26)
            name = chr(65 + rest) + name
        _letters.append(name)
    return _letters[index]


def _cell(ref, value, style):
    """One cell, typed: numbers as numbers, times as dated serial numbers, everything else as inline text."""
    if isinstance(value, datetime):
        return f'<c r="{ref}" s="{DATETIME}"><v>{_serial(value)}</v></c>'
    if isinstance(value, date):
        return f'<c r="{ref}" s="{DATE}"><v>{_serial(datetime.combine(value, datetime.min.time()))}</v></c>'
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return f'<c r="{ref}"><v>{value!r}</v></c>'
    text = _UNSAFE.sub(lambda m: f"_x{ord(m.group()):04X}_", str(value))
    if style == PLAIN and text.startswith(FORMULA_STARTS):
        style = QUOTED  # Excel keeps it text even when someone edits the cell later
    space = ' xml:space="preserve"' if text != text.strip() else ""
    styled = f' s="{style}"' if style else ""
    return f'<c r="{ref}" t="inlineStr"{styled}><is><t{space}>{escape(text)}</t></is></c>'


def _serial(moment):
    """Excel's serial day number (1900 date system) of a naive local time."""
    delta = moment - EXCEL_EPOCH
    return round(delta.days + delta.seconds / 86400, 8)


def _sheet_title(title, index):
    """A legal worksheet name: at most 31 characters, none of []:*?/\\ ."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(title)).strip()[:31]
    return cleaned or f"Sheet{index}"


_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_RELS = (f'{_XML}<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" Type="{_REL}/officeDocument" '
         'Target="xl/workbook.xml"/></Relationships>')
_STYLES = (
    f'{_XML}<styleSheet xmlns="{_MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    '<fill><patternFill patternType="solid"><fgColor rgb="FFEEF1F6"/><bgColor indexed="64"/></patternFill></fill>'
    '</fills>'
    '<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
    '<border><left style="thin"/><right style="thin"/><top style="thin"/><bottom style="thin"/><diagonal/></border>'
    '</borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    '</styleSheet>'
)


def _content_types(count):
    """[Content_Types].xml for a workbook of `count` worksheets."""
    sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                     'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, count + 1))
    return (f'{_XML}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/'
            f'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>{sheets}</Types>')


def _workbook(titles):
    """xl/workbook.xml naming the worksheets."""
    sheets = "".join(f'<sheet name="{escape(title)}" sheetId="{i}" r:id="rId{i}"/>'
                     for i, title in enumerate(titles, start=1))
    return f'{_XML}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>{sheets}</sheets></workbook>'


def _workbook_rels(count):
    """xl/_rels/workbook.xml.rels: the worksheets and the styles."""
    rels = "".join(f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                   for i in range(1, count + 1))
    return (f'{_XML}<Relationships xmlns="{_PKG_REL}">{rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>')


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
