import datetime
import io

import openpyxl
import pytest

from sanwen.clients.imports import clients_import, error_workbook, parse_date, template_workbook
from sanwen.clients.models import Household, ImportStatus, PlantingContract, RetailLicence
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent
from sanwen.testing import valid_id

TODAY = datetime.date(2026, 3, 1)


def xlsx(rows) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def run(world, content, filename="名册.xlsx"):
    return clients_import(
        bureau=world.a.bureau, by=world.a.users[Role.ADMIN], filename=filename, content=content, today=TODAY
    )


MESSY = [
    ["钟山县烟草专卖局 2026年客户花名册"],  # a title row above the header
    [],
    [
        " 乡 镇 ",
        "村委",
        "经营者",
        "类型",
        "联系电话",
        "许可证号码",
        "有效期自",
        "有效期至",
        "种植面积",
        "年度",
        "身份证号码",
        "店名",
    ],
    [
        "公安镇",
        "大龙村",
        " 王 小二 ",
        "零售户",
        13812345678,
        451122100777,
        datetime.datetime(2024, 3, 5),
        "2029年3月4日",
        None,
        None,
        None,
        "小二便利店",
    ],
    [
        "公安",
        "大桥",
        "陈大",
        "烟农",
        "１３９００００１１１１",
        None,
        None,
        None,
        12.5,
        "2026年",
        valid_id("452427", "19700505", "321"),
        None,
    ],
    [
        "公安镇",
        "仁里",
        "陈大",
        "烟农",
        "13900001111",
        None,
        None,
        None,
        "11",
        2025,
        valid_id("452427", "19700505", "321"),
        None,
    ],
    [
        "钟山镇",
        None,
        "赵四",
        "卷烟零售户",
        None,
        "４５１１２２２０００８８",
        "2025/1/2",
        47483,
        None,
        None,
        None,
        "赵四超市",
    ],
    [None, None, None, None, None, None, None, None, None, None, None, None],  # a blank row
]


def test_a_messy_county_spreadsheet_imports_completely(world):
    outcome = run(world, xlsx(MESSY))
    assert outcome.errors == []
    run_ = outcome.run
    assert run_.status == ImportStatus.SUCCEEDED
    assert (run_.households_created, run_.licences_written, run_.contracts_written) == (3, 2, 2)

    wang = Household.objects.get(name="王 小二")
    assert wang.kind == "retailer" and wang.phone == "13812345678"
    assert wang.township.name == "公安镇" and wang.village.name == "大龙村委会"
    lic = RetailLicence.objects.get(number="451122100777")
    assert (lic.valid_from, lic.valid_to, lic.business_name) == (
        datetime.date(2024, 3, 5),
        datetime.date(2029, 3, 4),
        "小二便利店",
    )
    chen = Household.objects.get(name="陈大")  # two contract rows, one household
    assert chen.phone == "13900001111"
    assert sorted(PlantingContract.objects.filter(household=chen).values_list("year", "area_mu")) == [
        (2025, 11),
        (2026, 12.5),
    ]
    zhao_licence = RetailLicence.objects.get(number="451122200088")
    assert zhao_licence.valid_to == datetime.date(2029, 12, 31)  # an Excel serial date
    assert AuditEvent.objects.filter(action="import").count() == 1
    assert (
        AuditEvent.objects.filter(object_type="clients.household", action="create", note="名册.xlsx").count()
        == 3
    )


def test_one_bad_row_means_nothing_is_written_and_every_error_is_reported(world):
    rows = [r[:] for r in MESSY]
    rows[3][4] = "1381234567"  # a short phone
    rows[4][0] = "火星镇"  # no such township
    rows[6][6] = "2025年13月2日"  # no such month
    rows[6][7] = "2031-01-01"  # and a term over five years, but the start is unreadable
    households = Household.objects.count()
    events = AuditEvent.objects.count()
    outcome = run(world, xlsx(rows))
    assert outcome.run.status == ImportStatus.FAILED
    assert Household.objects.count() == households
    assert AuditEvent.objects.count() == events
    found = {(e["row"], e["column"]) for e in outcome.run.errors}
    assert found == {(4, "联系电话"), (5, "乡 镇"), (7, "有效期自")}
    reasons = " ".join(e["reason"] for e in outcome.run.errors)
    assert "township" in reasons or "乡镇" in reasons


def test_the_error_report_downloads_as_a_workbook(world):
    rows = [r[:] for r in MESSY]
    rows[3][4] = "1381234567"
    outcome = run(world, xlsx(rows))
    sheet = openpyxl.load_workbook(io.BytesIO(error_workbook(outcome.run))).active
    assert [c.value for c in sheet[1]] == ["行号", "列", "内容", "原因"]
    assert sheet.cell(2, 1).value == 4 and sheet.cell(2, 2).value == "联系电话"


def test_a_duplicate_licence_in_the_file_and_one_of_another_bureau_are_refused(world):
    rows = [
        ["类型", "姓名", "乡镇", "许可证号", "有效期起", "有效期止"],
        ["零售户", "甲", "公安镇", "451122100555", "2024-01-01", "2028-12-31"],
        ["零售户", "乙", "公安镇", "451122100555", "2024-01-01", "2028-12-31"],
    ]
    outcome = run(world, xlsx(rows))
    assert [e["row"] for e in outcome.run.errors] == [3]
    # The other bureau's number cannot even be written by this county: the county code differs.
    rows = [
        ["类型", "姓名", "乡镇", "许可证号", "有效期起", "有效期止"],
        ["零售户", "甲", "公安镇", "451121100123", "2024-01-01", "2028-12-31"],
    ]
    outcome = run(world, xlsx(rows))
    assert "451121" not in RetailLicence.objects.filter(bureau=world.a.bureau).values_list(
        "number", flat=True
    )
    assert outcome.run.errors[0]["column"] == "许可证号"


def test_an_identity_number_stored_as_an_excel_number_is_explained(world):
    rows = [["类型", "姓名", "乡镇", "身份证号"], ["烟农", "甲", "公安镇", 4.51122198001011e17]]
    outcome = run(world, xlsx(rows))
    assert "text" in outcome.run.errors[0]["reason"] or "文本" in outcome.run.errors[0]["reason"]


def test_reimporting_updates_the_household_instead_of_duplicating_it(world):
    run(world, xlsx(MESSY))
    rows = [
        ["类型", "姓名", "乡镇", "村", "手机号码", "身份证号", "种植面积(亩)", "合同年度"],
        ["烟农", "陈大", "公安镇", "大桥", "13900002222", valid_id("452427", "19700505", "321"), 14, 2026],
    ]
    outcome = run(world, xlsx(rows))
    assert outcome.errors == []
    assert outcome.run.households_updated == 1
    chen = Household.objects.get(name="陈大")
    assert chen.phone == "13900002222"
    assert PlantingContract.objects.get(household=chen, year=2026).area_mu == 14


def test_a_gb18030_csv_with_tabs_is_read(world):
    text = "类型\t姓名\t乡镇\t村\n烟农\t刘一\t公安镇\t大龙\n"
    outcome = run(world, text.encode("gb18030"), filename="名册.csv")
    assert outcome.errors == []
    assert Household.objects.filter(name="刘一").exists()


def test_a_file_that_is_not_a_spreadsheet_is_refused_with_a_message(world):
    outcome = run(world, b"%PDF-1.4", filename="scan.pdf")
    assert outcome.run.status == ImportStatus.FAILED
    assert outcome.run.errors[0]["reason"]
    outcome = run(world, xlsx([["这不是表头"], ["x"]]))
    assert "header" in outcome.run.errors[0]["reason"] or "表头" in outcome.run.errors[0]["reason"]


def test_the_template_imports_once_its_examples_are_filled_in(world):
    book = openpyxl.load_workbook(io.BytesIO(template_workbook()))
    sheet = book["客户导入"]
    header = [c.value for c in sheet[1]]
    assert {
        "类型",
        "姓名/经营者",
        "手机号码",
        "乡镇",
        "村",
        "地址",
        "许可证号",
        "企业名称",
        "有效期起",
        "有效期止",
        "种植面积(亩)",
        "合同年度",
    } <= set(header)
    sheet.cell(2, header.index("手机号码") + 1).value = "13800001234"
    buffer = io.BytesIO()
    book.save(buffer)
    outcome = run(world, buffer.getvalue())
    assert outcome.errors == [], outcome.run.errors


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024年3月5日", datetime.date(2024, 3, 5)),
        ("2024/3/5", datetime.date(2024, 3, 5)),
        ("２０２４－０３－０５", datetime.date(2024, 3, 5)),
        ("2024.3.5", datetime.date(2024, 3, 5)),
        ("20240305", datetime.date(2024, 3, 5)),
        (45356, datetime.date(2024, 3, 5)),
        (datetime.datetime(2024, 3, 5, 0, 0), datetime.date(2024, 3, 5)),
    ],
)
def test_dates_in_the_forms_county_offices_write(value, expected):
    assert parse_date(value) == expected
