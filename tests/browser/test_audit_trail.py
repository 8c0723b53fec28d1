"""The audit trail as an inspector reads it, in chromium: a report about the inspector is not on it,
one about a colleague is, in words, and the filters work."""

from sanwen.accountability import services as duty
from sanwen.campaigns.models import Prohibition
from sanwen.clients.services import household_update
from sanwen.core.access import Role
from sanwen.testing import PASSWORD, build_world

from .conftest import log_in


def test_an_inspector_reads_the_audit_trail_without_the_report_about_them(
    page, live_server, transactional_db, screenshot
):
    world = build_world()
    a = world.a
    inspector, staff = a.users[Role.INSPECTOR], a.users[Role.STAFF]
    prohibition = Prohibition.objects.filter(campaign=a.campaign).first()
    duty.report_internal(
        by=staff,
        prohibition=prohibition,
        description="检查员收受零售户购物卡两张，价值一千元",
        accused=inspector,
    )
    duty.report_internal(
        by=inspector,
        prohibition=prohibition,
        description="员工收受烟农土特产未退还，时间是三月",
        accused=staff,
    )
    household_update(household=a.farmer, by=staff, address="大龙村5组")
    log_in(page, live_server, inspector.username, PASSWORD)
    page.goto(f"{live_server.url}/audit/")
    text = page.inner_text("main")
    assert "购物卡" not in text
    assert "土特产" in text
    assert "大龙村3组" in text and "大龙村5组" in text  # before → after, in words
    page.select_option("#id_type", "clients.household")
    page.click("text=筛选")
    page.wait_for_load_state()
    assert "土特产" not in page.inner_text("main")
    screenshot(page, "audit-trail-inspector")
