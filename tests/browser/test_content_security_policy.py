"""Staff pages run under a Content-Security-Policy as strict as the portal's: a leader walks the main
pages (and the operator the admin's), using menus, searches and the chart, and the browser reports no
violation of the policy and no script error."""

import datetime

from django.urls import reverse

from sanwen.testing import PASSWORD

from .conftest import log_in

# Pages a leader works with every day: (url name, arguments); the world's objects fill the arguments.
LEADER_PAGES = [
    ("home", ()),
    ("client_list", ()),
    ("client_detail", ("farmer",)),
    ("client_detail", ("retailer",)),
    ("client_edit", ("farmer",)),
    ("case_list", ()),
    ("my_cases", ()),
    ("case_queue", ()),
    ("case_register", ()),
    ("case_detail", ("case",)),
    ("fieldwork_home", ()),
    ("visit_list", ()),
    ("visit_record", ()),
    ("visit_detail", ("visit",)),
    ("quota_table", ()),
    ("meeting_list", ()),
    ("meeting_record", ()),
    ("research_list", ()),
    ("ledger_list", ()),
    ("notebook_list", ()),
    ("scorecard", ()),
    ("commitment_list", ()),
    ("integrity_register", ()),
    ("assessment_list", ()),
    ("dashboard", ()),
    ("notification_list", ()),
    ("password_change", ()),
]
ADMIN_PAGES = [
    ("admin:index", ()),
    ("admin:org_staff_changelist", ()),
    ("admin:org_staff_change", ("staff",)),
    ("admin:campaigns_campaign_change", ("campaign",)),
    ("admin:org_place_changelist", ()),
]


def _watch(page):
    """Every CSP violation (the DOM event, reported from each document) and console error."""
    problems = []
    page.expose_binding("reportViolation", lambda source, text: problems.append(f"{page.url}: CSP {text}"))
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => window.reportViolation("
        "e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber));"
    )

    def console(message):
        # The admin's pages name no icon, so the browser asks for /favicon.ico; that 404 is no problem.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            problems.append(f"{page.url}: console {message.text} {message.location}")

    page.on("console", console)
    page.on("pageerror", lambda e: problems.append(f"{page.url}: error {e}"))
    return problems


def _walk(page, live_server, pages, objects):
    for name, args in pages:
        url = reverse(name, args=[objects[a] for a in args])
        response = page.goto(f"{live_server.url}{url}")
        assert response.status == 200, (url, response.status)
        policy = response.headers.get("content-security-policy", "")
        assert "script-src 'self'" in policy and "style-src 'self'" in policy, url
        page.wait_for_load_state("networkidle")


def test_a_leader_walks_the_staff_pages_without_a_policy_violation(
    browser, live_server, transactional_db, screenshot
):
    from sanwen.cases.services import case_register
    from sanwen.fieldwork.services import visit_record
    from sanwen.testing import build_world

    world = build_world()
    a = world.a
    leader, staff = a.users["leader"], a.users["staff"]
    case = case_register(
        bureau=a.bureau, by=staff, description="烟叶收购时间安排问题", ask_kind="need", source="phone"
    )
    visit = visit_record(
        bureau=a.bureau, by=staff, on=datetime.date.today(), diary="走访烟农", households=[a.farmer]
    )
    objects = {"farmer": a.farmer.pk, "retailer": a.retailer.pk, "case": case.pk, "visit": visit.pk}

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = _watch(page)
    log_in(page, live_server, leader.username, PASSWORD)
    _walk(page, live_server, LEADER_PAGES, objects)

    # What the pages do with script: the user menu, a household search (htmx), the chart's tooltip,
    # a select that submits its form.
    page.goto(f"{live_server.url}/")
    page.click("#user-menu button")
    page.wait_for_selector("#user-menu .dropdown-menu.show")
    # An htmx post (it carries the CSRF token from the page's meta tag): the numbers shown in full.
    page.goto(f"{live_server.url}{reverse('client_detail', args=[a.retailer.pk])}")
    page.click("button[hx-post]")
    page.wait_for_selector("#numbers-box >> text=13912345678")
    page.goto(f"{live_server.url}{reverse('case_register')}")
    page.fill("#household-q", "zl")
    page.wait_for_selector("#household-results [data-household]")
    page.click("#household-results [data-household]")
    assert page.input_value("#id_household") == str(a.farmer.pk)
    page.goto(f"{live_server.url}{reverse('dashboard')}")
    page.wait_for_selector("#trend-chart canvas")
    box = page.locator("#trend-chart").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(300)
    screenshot(page, "dashboard-under-csp")
    page.goto(f"{live_server.url}{reverse('client_list')}")
    with page.expect_navigation():
        page.select_option("select[name=township]", str(a.township.pk))
    assert f"township={a.township.pk}" in page.url
    page.goto(f"{live_server.url}{reverse('fieldwork_home')}")
    # The progress bar's width comes from its data-width (no style attribute), set by app.js.
    assert page.eval_on_selector("[data-width]", "el => el.style.width === el.dataset.width + '%'")
    screenshot(page, "staff-under-csp")
    page.wait_for_timeout(300)  # a violation report of the last page is a queued event: let it arrive
    context.close()

    assert problems == [], "\n".join(problems)


def test_the_operator_walks_the_admin_without_a_policy_violation(browser, live_server, transactional_db):
    from sanwen.testing import build_world

    world = build_world()
    objects = {"staff": world.a.users["staff"].pk, "campaign": world.a.campaign.pk}
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.set_default_timeout(15000)
    problems = _watch(page)
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", world.operator.username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")
    _walk(page, live_server, ADMIN_PAGES, objects)
    # An inline row added on the campaign's page (the admin's inlines script).
    page.goto(f"{live_server.url}{reverse('admin:campaigns_campaign_change', args=[objects['campaign']])}")
    page.locator(".add-row a").first.click()
    # The date shortcuts' calendar (the admin's DateTimeShortcuts script).
    page.locator("a[id^=calendarlink]").first.click()
    box = page.locator(".calendarbox >> visible=true")
    box.locator(".calendar td a").first.click()
    page.wait_for_timeout(300)  # a violation report of the last click is a queued event: let it arrive
    context.close()

    assert problems == [], "\n".join(problems)
