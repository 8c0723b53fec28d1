"""Exports cannot carry formulas (issue 13, item 5): text that starts like a formula is written as
text in every xlsx the platform writes, read back here with openpyxl."""

import datetime
import io

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from sanwen.clients.imports import error_workbook
from sanwen.clients.models import Household, ImportRun
from sanwen.core.access import Role
from sanwen.core.xlsx import FORMULA_PREFIXES, sheet_title, xlsx_response

TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=60)


def read_back(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def response_bytes(response) -> bytes:
    return b"".join(response.streaming_content)


@settings(max_examples=150, deadline=None)
@given(prefix=st.sampled_from(FORMULA_PREFIXES), rest=TEXT, title=TEXT)
def test_text_starting_like_a_formula_is_written_as_text(prefix, rest, title):
    value = prefix + rest
    response = xlsx_response("x.xlsx", [(title, ["名称"], [[value, 1, "普通"]])])
    sheet = read_back(response_bytes(response)).worksheets[0]
    cell = sheet.cell(row=2, column=1)
    assert cell.data_type == "s"
    # XML turns a lone carriage return into a line feed; everything else comes back as written.
    expected = ILLEGAL_CHARACTERS_RE.sub("", value)
    assert cell.value.replace("\r", "\n") == expected.replace("\r", "\n")
    assert sheet.cell(row=2, column=2).value == 1
    assert sheet.cell(row=2, column=3).value == "普通"
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


@given(title=TEXT)
def test_any_text_makes_a_valid_sheet_name(title):
    name = sheet_title(title)
    book = openpyxl.Workbook()
    book.active.title = name  # openpyxl refuses what Excel refuses
    assert 1 <= len(name) <= 31


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x.cn","点")', "#N/A", "\x01坏字符"])
def test_the_client_export_writes_names_as_text(client, world, value):
    # however it got there (an import, the API, an old record): the name is stored as it came
    Household.objects.filter(pk=world.a.farmer.pk).update(name=value)
    client.force_login(world.a.users[Role.LEADER])
    response = client.get("/clients/export.xlsx")
    assert response.status_code == 200
    sheet = read_back(response_bytes(response)).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    names = [c.value for c in cells if c.column == 2]
    assert value.replace("\x01", "") in names
    assert next(c for c in cells if c.value == value.replace("\x01", "")).data_type == "s"


def test_the_import_error_report_writes_the_rejected_values_as_text(world):
    run = ImportRun(
        bureau=world.a.bureau,
        filename="x.xlsx",
        errors=[{"row": 2, "column": "姓名", "value": "=1+1", "reason": "不对"}],
    )
    sheet = read_back(error_workbook(run)).worksheets[0]
    cell = sheet.cell(row=2, column=3)
    assert (cell.value, cell.data_type) == ("=1+1", "s")


@pytest.mark.parametrize("title", ["=SUM(A1)", "台账/2026[一]"])
def test_a_ledger_with_any_title_exports(client, world, title):
    from sanwen.fieldwork.models import LedgerBook
    from sanwen.fieldwork.services import ledger_open

    staff = world.a.users[Role.STAFF]
    book = ledger_open(
        bureau=world.a.bureau,
        by=staff,
        scope="village",
        village=world.a.village,
        opened_on=datetime.date(2026, 3, 2),
    )
    LedgerBook.objects.filter(pk=book.pk).update(title=title)
    client.force_login(staff)
    response = client.get(f"/field/ledgers/{book.pk}/export/")
    assert response.status_code == 200
    workbook = read_back(response_bytes(response))
    assert all(c.data_type != "f" for sheet in workbook for row in sheet.iter_rows() for c in row)
