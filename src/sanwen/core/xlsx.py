"""Spreadsheet downloads: rows written as they come (openpyxl's write-only mode) into a temporary file
that the response streams, so memory does not grow with the number of rows.

Every row goes through `safe_row`: text that a spreadsheet would take for a formula (a client named
"=HYPERLINK(…)") is written as text, and characters the file format cannot carry are dropped, so no
export can carry a formula or fail on a stray control character."""

import re
import tempfile
from collections.abc import Iterable

from django.http import FileResponse
from django.utils.functional import Promise
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE, Cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What Excel, LibreOffice and WPS read as the start of a formula (or of DDE), OWASP's list.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def safe_value(sheet, value):
    """One value ready for `sheet.append`: text starting like a formula (or spelling an error code
    such as #N/A) becomes a cell of type text with Excel's quote prefix; other values as they are."""
    if isinstance(value, Promise):
        value = str(value)
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if not value.startswith(FORMULA_PREFIXES) and value not in ERROR_CODES:
        return value
    cell = Cell(sheet, row=1, column=1, value=value)  # append() moves it to its place
    cell.data_type = "s"  # written as an inline string: the text exactly, never evaluated
    cell.quotePrefix = True  # and Excel keeps it text when someone edits the cell
    return cell


def safe_row(sheet, values: Iterable) -> list:
    """The row's values for `sheet.append`, each through `safe_value`."""
    return [safe_value(sheet, value) for value in values]


def sheet_title(text) -> str:
    """A sheet's name as Excel allows it: at most 31 characters, none of [ ] : * ? / \\."""
    return _TITLE_FORBIDDEN.sub("", ILLEGAL_CHARACTERS_RE.sub("", str(text)))[:31].strip("'") or "Sheet1"


def xlsx_response(filename: str, sheets: Iterable[tuple[str, list, Iterable[list]]]) -> FileResponse:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(sheet_title(title))
        sheet.append(safe_row(sheet, [str(h) for h in header]))
        for row in rows:
            sheet.append(safe_row(sheet, row))
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    book.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
