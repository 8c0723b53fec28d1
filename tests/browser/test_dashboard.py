"""A leader opens the dashboard, changes the period, opens the records behind a figure and downloads
the export and the summary. The screenshots go to docs/screenshots/."""

import datetime
import io
import shutil
from pathlib import Path

import openpyxl

from sanwen.testing import PASSWORD

from .conftest import ARTIFACTS, log_in

DOCS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def test_the_dashboard_as_a_leader_uses_it(browser, live_server, transactional_db, screenshot):
    from sanwen.campaigns.models import DeedKind, Vehicle
    from sanwen.cases.services import deed_record
    from sanwen.fieldwork.services import meeting_record, visit_record
    from sanwen.testing import build_world

    world = build_world()
    a = world.a
    staff, leader = a.users["staff"], a.users["leader"]
    today = datetime.date.today()
    last_month = (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=10)
    visit_record(bureau=a.bureau, by=staff, on=last_month, diary="走访", households=[a.farmer, a.retailer])
    visit_record(bureau=a.bureau, by=staff, on=today, diary="走访", households=[a.farmer])
    meeting_record(
        bureau=a.bureau, by=staff, kind="seminar", title="座谈会", on=today, place="村委", minutes="座谈"
    )
    deed_record(
        bureau=a.bureau,
        by=leader,
        kind=DeedKind.objects.get(campaign=a.campaign, code="cabinets"),
        quantity=12,
        vehicle=Vehicle.objects.filter(campaign=a.campaign).first(),
        on=today,
        description="配送展示柜",
    )

    context = browser.new_context(
        locale="zh-CN", viewport={"width": 1280, "height": 900}, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, leader.username, PASSWORD)
    page.click("text=统计报表")
    page.wait_for_selector("#figures")
    page.wait_for_selector("#zeros")  # loaded after the page
    assert page.inner_text("#fig-household-visits") == "3"
    page.wait_for_selector("#trend-chart canvas")
    path = screenshot(page, "dashboard")
    DOCS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, DOCS / "dashboard.png")

    # Only this month: the visit of last month drops out.
    page.fill("#from", today.replace(day=1).isoformat())
    page.click("#apply")
    page.wait_for_selector("#fig-household-visits")
    assert page.inner_text("#fig-household-visits") == "1"
    assert "配送统一卷烟展示柜" in page.inner_text("#deeds")

    # The figure opens its records; the export downloads.
    page.click("#fig-household-visits")
    page.wait_for_selector("#records")
    assert "钟林" in page.inner_text("#records")
    with page.expect_download() as download:
        page.click("#records-xlsx")
    book = openpyxl.load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert list(book.active.values)[0][:2] == ("日期", "客户")
    page.go_back()
    with page.expect_download() as download:
        page.click("#export-xlsx")
    assert download.value.suggested_filename.endswith(".xlsx")
    with page.expect_download() as download:
        page.click("#summary-docx")
    assert download.value.suggested_filename.endswith(".docx")
    screenshot(page, "dashboard-this-month")
    shutil.copyfile(ARTIFACTS / "dashboard-this-month.png", DOCS / "dashboard-this-month.png")
    context.close()
