"""Spreadsheet files in and out: reading .xlsx and .csv uploads as rows, and
writing .xlsx and .csv downloads, with formula injection neutralised.

Reading: .xlsx through python-calamine (Rust's calamine: fast, and it hands
rows over one at a time); .csv with the csv module, its encoding found by
charset-normalizer when it is not UTF-8: Chinese Excel saves "CSV" in GBK,
read here as GB18030 (its superset). Writing: XlsxWriter in constant-memory
mode (rows streamed to the file, memory bounded; twice openpyxl's write-only
speed) and csv in UTF-8 with a BOM, which Excel opens without garbling
Chinese. openpyxl writes the import templates (drop-downs, comments).
"""

import codecs
import csv
import io
import os
import re
from datetime import date, datetime, time
from decimal import Decimal
from itertools import chain

from ..models.base import N_

# A spreadsheet runs a cell starting with one of these as a formula (or as
# the start of one): "=HYPERLINK(...)", "+1+cmd|' /C calc'!A0", "@SUM(...)",
# and a tab or carriage return before any of them (OWASP: CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
APOSTROPHE = "'"
PLAIN_NUMBER = re.compile(r"[+-]?[0-9]+(\.[0-9]+)?\Z")

XLSX, CSV = "xlsx", "csv"
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv"
# How much of a CSV file decides its encoding (a sample, not the whole file).
SAMPLE_BYTES = 256 * 1024
# Encodings that Chinese Excel and WPS write for "CSV": GB18030 reads them all.
GB_FAMILY = {"gb2312", "gbk", "gb18030", "cp936", "hz"}


UNKNOWN_ENCODING = N_("The file's text encoding could not be recognised; save it as UTF-8 or as an Excel file.")
NOT_XLSX = N_("The file is not a readable Excel (.xlsx) workbook.")
WRONG_KIND = N_("Only .xlsx and .csv files can be imported.")


class UnreadableFile(ValueError):
    """The upload is not a spreadsheet we can read (with an English msgid)."""


def safe_cell(value):
    """A value as it may be written into a spreadsheet cell (.xlsx or .csv).

    Text that a spreadsheet would run as a formula, because it starts with
    ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, gets an apostrophe
    in front (``'=1+2``): Excel and LibreOffice then show it as text and run
    nothing. Anything else (numbers, dates, other text, None) is returned
    unchanged, so a negative number stays a number, and so does text that is
    just a number (``-3``, ``+1.5``: a spreadsheet reads it as that number
    and runs nothing). ``plain_cell`` undoes it when such a file is read back.
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES) and not PLAIN_NUMBER.match(value):
        return APOSTROPHE + value
    return value


def plain_cell(value):
    """The text ``safe_cell`` protected, read back: one leading apostrophe
    before a formula character is dropped (``'=1+2`` -> ``=1+2``)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == APOSTROPHE and value[1:].startswith(FORMULA_PREFIXES):
        return value[1:]
    return value


def kind_of(filename):
    """``xlsx`` or ``csv`` from a file name; None for anything else."""
    ext = os.path.splitext(filename or "")[1].lower().lstrip(".")
    return ext if ext in (XLSX, CSV) else None


# --- reading ---------------------------------------------------------------------

def _cell(value):
    """A cell as the importer takes it: text stripped, whole floats as ints
    (Excel keeps every number as a float: a code typed as 320102 is 320102.0),
    dates and times as they are, empty as None."""
    if value is None:
        return None
    if isinstance(value, str):
        value = plain_cell(value.strip())
        return value or None
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, (int, float, date, datetime, time)):
        return value
    return str(value)


def detect_encoding(sample):
    """The encoding of a CSV file from its first bytes: UTF-8 (with or without
    BOM) when the bytes are valid UTF-8, else charset-normalizer's guess, with
    the GB family read as GB18030."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)  # a cut-off last character is fine
        return "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(sample).best()
    if best is None:
        raise UnreadableFile(UNKNOWN_ENCODING)
    encoding = best.encoding.lower().replace("-", "").replace("_", "")
    return "gb18030" if encoding in GB_FAMILY or encoding.startswith("gb") else best.encoding


def read_rows(path, kind):
    """Rows of the first sheet (xlsx) or of the file (csv) at ``path``, one
    list of cell values at a time: the file is never held as Python objects
    all at once. Empty trailing cells are dropped."""
    if kind == XLSX:
        return _trimmed(_xlsx_rows(path))
    if kind == CSV:
        return _csv_trimmed(_csv_rows(path))
    raise UnreadableFile(WRONG_KIND)


def _trimmed(rows):
    for row in rows:
        cells = [_cell(value) for value in row]
        while cells and cells[-1] is None:
            cells.pop()
        yield cells


def _csv_trimmed(rows):
    """``_trimmed`` for CSV, whose cells are all text (the hot path of a
    country-sized file): stripped, empty as None, a protecting apostrophe dropped."""
    for row in rows:
        cells = [(plain_cell(v) if v[:1] == APOSTROPHE else v) if (v := value.strip()) else None for value in row]
        while cells and cells[-1] is None:
            cells.pop()
        yield cells


def _xlsx_rows(path):
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_path(os.fspath(path))
        rows = workbook.get_sheet_by_index(0).iter_rows()
    except (CalamineError, ValueError, OSError) as error:
        raise UnreadableFile(NOT_XLSX) from error
    yield from rows


def _csv_rows(path):
    with open(path, "rb") as fh:
        encoding = detect_encoding(fh.read(SAMPLE_BYTES))
    with open(path, encoding=encoding, newline="") as text:
        try:
            yield from csv.reader(text)
        except UnicodeDecodeError as error:
            raise UnreadableFile(UNKNOWN_ENCODING) from error


# --- writing ---------------------------------------------------------------------

class CsvWriter:
    """Rows to CSV text in UTF-8 with a BOM (so Excel reads Chinese right),
    every cell through ``safe_cell``. ``row()`` returns the encoded line, for
    a streamed response."""

    def __init__(self):
        self._buffer = io.StringIO()
        self._writer = csv.writer(self._buffer)
        self._started = False

    def row(self, values):
        self._writer.writerow([safe_cell(v) for v in values])  # None is written empty
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        data = text.encode("utf-8")
        if not self._started:
            self._started = True
            data = codecs.BOM_UTF8 + data
        return data


def write_xlsx(rows, fileobj, title="Sheet1", widths=None):
    """Stream ``rows`` (the first one the headers, in bold) into an .xlsx file.

    rustpy-xlsxwriter (Rust's rust_xlsxwriter) takes the rows from a
    generator and writes them about fifteen times faster than XlsxWriter,
    which stays as the pure-Python way when it is missing or the headers
    repeat (it takes rows as dicts). Either way memory stays bounded, text is
    never read as a formula, a number or a link, and times get a date format."""
    rows = iter(rows)
    headers = next(rows, None)
    if headers is None:
        headers = []
    names = [str(h) for h in headers]
    try:
        from rustpy_xlsxwriter import FastExcel
    except ImportError:
        FastExcel = None
    if FastExcel is not None and names and len(set(names)) == len(names) and not widths:
        def records():
            for row in rows:
                yield dict(zip(names, (_rust_value(v) for v in row), strict=False))

        (FastExcel(fileobj).format(datetime_format="yyyy-mm-dd hh:mm:ss", bold_headers=True)
         .sheet(title[:31] or "Sheet1", records()).save())
        return
    _write_xlsx_python(chain([headers], rows), fileobj, title, widths)


def _rust_value(value):
    if type(value) is str:
        return safe_cell(value)
    if isinstance(value, Decimal):
        return float(value)
    if value is None or isinstance(value, (int, float, date, datetime)):
        return value
    return safe_cell(str(value))


def _write_xlsx_python(rows, fileobj, title="Sheet1", widths=None):
    """``write_xlsx`` with XlsxWriter in constant-memory mode: each row goes
    to disk as it is written."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(fileobj, {"constant_memory": True, "strings_to_formulas": False,
                                             "strings_to_numbers": False, "strings_to_urls": False})
    sheet = workbook.add_worksheet(title[:31] or "Sheet1")
    bold = workbook.add_format({"bold": True})
    when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    day = workbook.add_format({"num_format": "yyyy-mm-dd"})
    wrap = workbook.add_format({"text_wrap": True})
    for index, width in enumerate(widths or ()):
        sheet.set_column(index, index, width)
    put_text, put_number, put_time = sheet.write_string, sheet.write_number, sheet.write_datetime
    # XlsxWriter escapes control characters itself (as _xHHHH_, which readers decode).
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            kind = type(value)
            if kind is str:
                value = safe_cell(value)
                put_text(r, c, value, bold if r == 0 else (wrap if "\n" in value else None))
            elif kind is datetime:
                put_time(r, c, value, when)
            elif kind is date:
                put_time(r, c, value, day)
            elif kind is bool:
                sheet.write_boolean(r, c, value)
            elif kind in (int, float):
                put_number(r, c, value)
            elif kind is Decimal:
                put_number(r, c, float(value))
            else:
                put_text(r, c, safe_cell(str(value)))
    workbook.close()
