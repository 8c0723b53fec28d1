import datetime

from sanwen.testing import PASSWORD

from .conftest import log_in


def test_a_case_from_registration_to_return_visit(browser, live_server, transactional_db, screenshot):
    from sanwen.cases.models import Case
    from sanwen.testing import build_world

    world = build_world()
    today = datetime.date.today()
    staff, head = world.a.users["staff"], world.a.users["dept_head"]

    # The staff member registers a farmer's difficulty from a phone call.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, staff.username, PASSWORD)
    page.click("text=登记事项")
    # The search input answers once htmx has read the page: typing before the page's scripts ran sends
    # nothing (a person types again; a test must wait).
    page.wait_for_load_state("load")
    page.fill("#household-q", "zl")
    page.click("#household-results [data-household]")
    page.fill("#id_description", "烤房温控器坏了，烘烤时温度忽高忽低，担心烤坏烟叶")
    page.select_option("#id_ask_kind", "need")
    page.select_option("#id_concern_kind", "worry")
    page.select_option("#id_mode", label="深入群众上门办")
    page.click("#register-form button[type=submit]")
    screenshot(page, "case-register-after-submit")
    page.wait_for_selector("#case-title")
    case = Case.objects.get(description__startswith="烤房温控器")
    assert case.household == world.a.farmer and case.raised_on == today
    screenshot(page, "case-registered")
    context.close()

    # The department head accepts and assigns it.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, head.username, PASSWORD)
    page.goto(f"{live_server.url}/cases/queue/")
    page.click(f"text={case.number}")
    page.click("#action-accept button[type=submit]")
    page.wait_for_selector("#action-assign")
    page.select_option("#action-assign select[name=owner]", str(staff.pk))
    page.click("#action-assign button[type=submit]")
    page.wait_for_selector("text=开始办理")
    context.close()

    # The owner visits the farm, resolves it; the page first says what 上门办 still needs.
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, staff.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.click("text=开始办理")
    assert "尚无上门走访记录" in page.inner_text("#closing-problems")
    page.click("text=更多：办理进展、联系客户、协作单位、延期、重办、合并")
    page.select_option("#action-contact select[name=kind]", "on_site")
    page.fill("#action-contact input[name=note]", "上门检查烤房")
    page.click("#action-contact button[type=submit]")
    page.wait_for_selector("#action-resolve")
    page.fill("#action-resolve textarea[name=resolution]", "更换了温控器，试烤正常")
    page.click("#action-resolve button[type=submit]")
    page.wait_for_selector("text=已办结")
    screenshot(page, "case-resolved-phone")
    context.close()

    # The head makes the return visit: satisfied.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, head.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.select_option("#action-return_visit select[name=satisfaction]", "satisfied")
    page.click("#action-return_visit button[type=submit]")
    page.wait_for_selector("text=已回访")
    timeline = page.inner_text("#timeline")
    for step in ("已登记", "受理", "交办", "开始办理", "联系客户", "办结", "回访"):
        assert step in timeline, step
    screenshot(page, "case-timeline")
    context.close()
    case.refresh_from_db()
    assert case.state == "visited" and case.satisfaction == "satisfied"
