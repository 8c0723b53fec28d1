"""The import reads within bounded memory: a file of more than IMPORT_MAX_ROWS rows is refused as soon
as the reading passes the limit (or unread, when the sheet declares its size), with nothing imported."""

import tracemalloc

import pytest

from sanwen.clients.imports import clients_import
from sanwen.clients.models import Household, ImportRun, ImportStatus
from sanwen.clients.tests.bomb import bomb_xlsx
from sanwen.clients.tests.test_import import TODAY
from sanwen.core.access import Role


def run(world, content, filename):
    return clients_import(
        bureau=world.a.bureau, by=world.a.users[Role.ADMIN], filename=filename, content=content, today=TODAY
    )


def csv_rows(rows: int) -> bytes:
    return ("类型,姓名,乡镇\n" + "烟农,钟林,公安镇\n" * rows).encode()


def too_many(n: int) -> str:
    return f"文件超过 {n} 行：每次最多导入 {n} 行，请将文件拆分后分批导入。"


def refused(world, content, filename) -> tuple[list[str], int]:
    """The reasons given and the peak of Python memory while refusing (a file read whole shows in
    it; a time would depend on the machine's load)."""
    before = Household.objects.count()
    tracemalloc.start()
    outcome = run(world, content, filename)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert outcome.run.status == ImportStatus.FAILED
    assert Household.objects.count() == before
    return [e.reason for e in outcome.errors], peak


@pytest.mark.parametrize("declared", [False, True], ids=["size-unsaid", "size-declared"])
def test_a_small_xlsx_that_unpacks_to_a_million_rows_is_refused_quickly_with_nothing_imported(
    world, settings, declared
):
    settings.IMPORT_MAX_ROWS = 20000
    content = bomb_xlsx(1_000_000, declare_dimension=declared)
    assert len(content) < 400_000
    reasons, peak = refused(world, content, "名册.xlsx")
    assert reasons == [too_many(20000)]
    # Read whole, it took 27 s and 450 MB; the reader stops at the row past the limit (shown by the
    # memory it held, not by a time, which depends on the machine's load).
    assert peak < 30_000_000, peak
    assert ImportRun.objects.get().errors[0]["reason"] == too_many(20000)


def test_a_workbook_that_unpacks_to_far_more_than_the_limit_is_refused_unread(world, settings):
    settings.IMPORT_MAX_ROWS = 1000
    reasons, peak = refused(world, bomb_xlsx(1_000_000), "名册.xlsx")
    assert reasons == ["工作簿解压后的内容超出一次导入（最多 1000 行）的容量，请将文件拆分后分批导入。"]
    assert peak < 30_000_000, peak


def test_a_workbook_with_one_row_of_a_million_cells_is_refused_unread(world, settings):
    settings.IMPORT_MAX_ROWS = 20000
    reasons, peak = refused(world, bomb_xlsx(1, cells=1_000_000), "名册.xlsx")
    assert reasons == ["工作簿解压后的内容超出一次导入（最多 20000 行）的容量，请将文件拆分后分批导入。"]
    assert peak < 30_000_000, peak


def test_a_csv_of_a_million_rows_is_refused_quickly_with_nothing_imported(world, settings):
    settings.IMPORT_MAX_ROWS = 20000
    content = csv_rows(1_000_000)
    reasons, peak = refused(world, content, "名册.csv")
    assert reasons == [too_many(20000)]
    assert peak < 10_000_000, peak  # less than half of the file itself


def test_blank_lines_count_as_rows(world, settings):
    settings.IMPORT_MAX_ROWS = 1000
    reasons, _peak = refused(world, csv_rows(1) + b"\r\n" * 2_000_000, "名册.csv")
    assert reasons == [too_many(1000)]


@pytest.mark.parametrize("filename", ["名册.xlsx", "名册.csv"])
def test_a_file_of_exactly_the_limit_imports_and_one_row_more_is_refused(world, settings, filename):
    settings.IMPORT_MAX_ROWS = 3
    make = bomb_xlsx if filename.endswith(".xlsx") else csv_rows
    outcome = run(world, make(3), filename)
    assert outcome.errors == [] and outcome.run.status == ImportStatus.SUCCEEDED
    assert refused(world, make(4), filename)[0] == [too_many(3)]


def test_title_rows_above_the_header_do_not_count(world, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = "钟山县客户花名册\n\n".encode() + csv_rows(3)
    assert run(world, content, "名册.csv").run.status == ImportStatus.SUCCEEDED
