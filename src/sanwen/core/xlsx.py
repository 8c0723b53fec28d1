"""Spreadsheet downloads: rows written as they come (openpyxl's write-only mode) into a temporary file
that the response streams, so memory does not grow with the number of rows."""

import tempfile
from collections.abc import Iterable

from django.http import FileResponse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(filename: str, sheets: Iterable[tuple[str, list, Iterable[list]]]) -> FileResponse:
    import openpyxl

    book = openpyxl.Workbook(write_only=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(title[:31])
        sheet.append([str(h) for h in header])
        for row in rows:
            sheet.append(row)
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    book.save(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)
