"""The keys page from the administrator's navigation: a key that writes is made to act for a staff
member, shown once, and then listed with whom it acts for and its rate."""

from sanwen.api.models import ApiKey
from sanwen.testing import PASSWORD

from .conftest import log_in


def test_an_administrator_reaches_the_keys_page_and_makes_a_writing_key(
    page, live_server, transactional_db, screenshot
):
    from sanwen.testing import build_world

    world = build_world()
    head = world.a.users["dept_head"]
    log_in(page, live_server, world.a.users["admin"].username, PASSWORD)
    page.click("nav >> text=接口密钥")
    page.wait_for_url(f"{live_server.url}/api/keys/")
    page.fill("#id_name", "数据中台")
    page.check("input[name=caps][value=view_cases]")
    page.check("input[name=caps][value=dispatch_cases]")
    page.fill("#id_rate_per_minute", "60")
    page.select_option("#id_acts_for", str(head.pk))
    page.click("form[method=post] button.btn-sanwen")
    token = page.inner_text("#new-token")
    assert token.startswith("sw_")
    key = ApiKey.objects.get()
    assert key.acts_for_id == head.pk and key.rate_per_minute == 60
    listed = page.inner_text("table")
    assert "数据中台" in listed and head.name in listed and "60" in listed
    assert "查看事项" in listed and "view_cases" not in listed  # capabilities by their names
    screenshot(page, "api-keys")
    # Not in a department head's navigation.
    page.context.clear_cookies()
    log_in(page, live_server, head.username, PASSWORD)
    assert page.locator("nav >> text=接口密钥").count() == 0
