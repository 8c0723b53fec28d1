from sanwen.testing import PASSWORD

from .conftest import log_in


def test_a_staff_member_finds_a_client_by_pinyin_initials(page, live_server, transactional_db, screenshot):
    from sanwen.testing import build_world

    world = build_world()
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)
    screenshot(page, "home")
    with page.expect_navigation():
        page.click("nav >> text=客户")
    page.fill("input[name=q]", "zsf")
    # The search is a plain GET form: wait until the answer's page has loaded before counting its rows
    # (counting does not wait; a CI run counted 0 while the new page was still arriving).
    with page.expect_navigation(url="**/clients/?q=zsf*"):
        page.click("#client-filter button[type=submit]")
    page.wait_for_selector("table tbody tr")
    rows = page.locator("table tbody tr")
    assert rows.count() == 1
    assert "張三豐" in rows.first.inner_text()
    assert "139****5678" in rows.first.inner_text()
    screenshot(page, "client-search")
    page.click("text=張三豐")
    page.wait_for_selector("#household-name")
    assert page.inner_text("#household-name") == "張三豐"
    assert "451122***123" in page.content()
    path = screenshot(page, "client-detail")
    assert path.stat().st_size > 10_000
