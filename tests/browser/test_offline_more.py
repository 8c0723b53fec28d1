"""Field work without signal, tried the way a cadre in a village would: a page never opened before,
two tabs, a visit with several households and photos refused and corrected, another person on the
same phone after a session expired. Chromium on a 390 px phone."""

import datetime
import re

import pytest

from sanwen.testing import PASSWORD

from .conftest import ARTIFACTS, log_in
from .test_offline import _phone, _photo, _ready, _visit, _wait, _waiting


def test_a_page_never_kept_opened_offline_says_so_in_chinese(browser, live_server, transactional_db):
    from sanwen.testing import build_world

    world = build_world()
    context, page = _phone(browser)
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    page.goto(f"{live_server.url}/field/visits/?mine=1")  # never opened on this phone
    page.wait_for_selector("#offline-fallback")
    assert "没有保存在这部手机上" in page.inner_text("body")
    page.screenshot(path=str(ARTIFACTS / "offline-page-not-kept-phone.png"), full_page=True)
    page.click("#offline-fallback a[href$='/field/visits/new/']")  # the kept form opens from there
    page.wait_for_selector("#visit-form")
    context.close()


def test_two_tabs_offline_upload_each_record_once(browser, live_server, transactional_db):
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    context, page = _phone(browser)
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)
    _ready(page, live_server)
    second = context.new_page()
    second.set_default_timeout(20000)
    second.goto(f"{live_server.url}/field/outbox/")
    _wait(second, "data-offline-ready='1'")
    context.set_offline(True)
    _visit(page, live_server, "zl", "第一个标签页的走访")
    _visit(second, live_server, "钟林", "第二个标签页的走访")
    context.set_offline(False)  # both tabs hear 'online' and upload at once
    _wait(page, "data-outbox-waiting='0'")
    _wait(second, "data-outbox-waiting='0'")
    page.wait_for_timeout(500)
    assert sorted(Visit.objects.values_list("diary", flat=True)) == [
        "第一个标签页的走访",
        "第二个标签页的走访",
    ]
    context.close()


def test_a_visit_with_households_and_photos_refused_for_its_date_goes_whole_once_corrected(
    browser, live_server, transactional_db
):
    from django.utils import timezone

    from sanwen.clients.services import household_create
    from sanwen.fieldwork.models import Visit, VisitPhoto
    from sanwen.testing import build_world

    world = build_world()
    w = world.a
    household_create(
        bureau=w.bureau,
        by=None,
        kind="farmer",
        name="周大福",
        phone="13700005678",
        township=w.township,
        village=w.village,
        address="大龙村5组",
    )
    context, page = _phone(browser)
    log_in(page, live_server, w.users["staff"].username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    today = timezone.localdate()
    page.goto(f"{live_server.url}/field/visits/new/")
    for query in ("钟林", "周大福"):
        page.fill("#household-q", query)
        page.wait_for_selector(f"#household-results [data-household]:has-text('{query}')")
        page.click(f"#household-results [data-household]:has-text('{query}')")
    page.fill("#id_on", str(today - datetime.timedelta(days=31)))  # one day outside the window
    page.fill("#id_diary", "两户一起走访，拍了三张烤房照片")
    colours = [(200, 40, 40), (40, 200, 40), (40, 40, 200)]
    page.set_input_files(
        "#id_photos",
        files=[
            {"name": f"IMG_{n}.jpg", "mimeType": "image/jpeg", "buffer": _photo(c)}
            for n, c in enumerate(colours)
        ],
    )
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#outbox-saved")
    assert _waiting(page) == 1
    context.set_offline(False)
    page.wait_for_selector(".outbox-record[data-state=refused] .outbox-reason")
    assert "超出了补录期限" in page.inner_text(".outbox-reason")
    assert not Visit.objects.exists()
    page.click(".outbox-record[data-state=refused] >> text=修改")
    page.wait_for_selector("#offline-editing:not(.d-none)")
    assert page.locator("#chosen .chip").count() == 2
    page.fill("#id_on", str(today - datetime.timedelta(days=30)))  # the last day still accepted
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/field/visits/\d+/$"))
    _wait(page, "data-outbox-waiting='0'")
    visit = Visit.objects.get()
    assert visit.on == today - datetime.timedelta(days=30)
    assert sorted(visit.household_links.values_list("household__name", flat=True)) == ["周大福", "钟林"]
    assert VisitPhoto.objects.filter(visit=visit).count() == 3
    context.close()


def test_another_person_after_an_expired_session_never_sees_the_first_ones_kept_pages(
    browser, live_server, transactional_db
):
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    first, second = world.a.users["staff"], world.b.users["staff"]  # another bureau
    context, page = _phone(browser)
    log_in(page, live_server, first.username, PASSWORD)
    _ready(page, live_server, "/field/visits/new/")
    page.fill("#household-q", "zl")
    page.click("#household-results [data-household]")
    page.fill("#id_diary", "只有我能看的走访")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(
        re.compile(r"/field/visits/\d+/$")
    )  # online: sent at once; its page is kept by the worker
    detail = page.url
    assert Visit.objects.count() == 1
    # The worker has kept the pages (a warm still under way after the session ends fetches the login
    # page, whose new CSRF cookie would spoil the login form already shown).
    _wait(page, "data-offline-ready='1'")
    context.clear_cookies()  # the session ends without logging out
    log_in(page, live_server, second.username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    page.goto(detail)
    page.wait_for_selector("#offline-fallback")
    assert "只有我能看的走访" not in page.inner_text("body")
    context.close()


def test_a_household_merged_while_the_visit_waits_is_refused_and_chosen_again(
    browser, live_server, transactional_db
):
    from sanwen.clients.services import household_create
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    w = world.a
    context, page = _phone(browser)
    log_in(page, live_server, w.users["staff"].username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    _visit(page, live_server, "zl", "钟林家的走访，等着上传")
    # Meanwhile the office merges the farmer into another record of the same person.
    w.farmer.active = False
    w.farmer.save(update_fields=["active"])
    kept = household_create(
        bureau=w.bureau,
        by=None,
        kind="farmer",
        name="钟林",
        phone="13812340000",
        township=w.township,
        village=w.village,
        address="大龙村3组",
    )
    context.set_offline(False)
    page.wait_for_selector(".outbox-record[data-state=refused] .outbox-reason")
    assert "合并" in page.inner_text(".outbox-reason") and str(w.farmer.pk) in page.inner_text(
        ".outbox-reason"
    )
    assert not Visit.objects.exists()
    page.click(".outbox-record[data-state=refused] >> text=修改")
    page.wait_for_selector("#offline-editing:not(.d-none)")
    page.click("#chosen .chip .remove-chip")
    page.fill("#household-q", "0000")  # online: the server's search finds the record kept
    page.click(f"#household-results [data-household='{kept.pk}']")
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/field/visits/\d+/$"))
    visit = Visit.objects.get()
    assert list(visit.household_links.values_list("household_id", flat=True)) == [kept.pk]
    assert visit.diary == "钟林家的走访，等着上传"
    context.close()


def test_a_phone_clock_a_day_ahead_dates_the_visit_tomorrow_refused_then_corrected(
    browser, live_server, transactional_db
):
    from django.utils import timezone

    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    context, page = _phone(browser)
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    page.clock.set_system_time(timezone.now() + datetime.timedelta(days=1))
    _visit(page, live_server, "zl", "手机时钟快了一天")
    today = timezone.localdate()
    context.set_offline(False)
    page.wait_for_selector(".outbox-record[data-state=refused] .outbox-reason")
    reason = page.inner_text(".outbox-reason")
    assert "不能晚于今天" in reason, reason
    page.screenshot(path=str(ARTIFACTS / "outbox-clock-ahead-phone.png"), full_page=True)
    page.click(".outbox-record[data-state=refused] >> text=修改")
    page.wait_for_selector("#offline-editing:not(.d-none)")
    assert page.input_value("#id_on") == str(today + datetime.timedelta(days=1))
    page.fill("#id_on", str(today))
    page.click("#visit-form button[type=submit]")
    page.wait_for_url(re.compile(r"/field/visits/\d+/$"))
    assert Visit.objects.get().on == today
    context.close()


UPDATED = """async () => {
  const r = await navigator.serviceWorker.getRegistration('/field/');
  await r.update();
  for (let i = 0; i < 200 && (r.installing || r.waiting); i += 1) await new Promise((ok) => setTimeout(ok, 100));
  return [r.active && r.active.state, r.installing && r.installing.state, r.waiting && r.waiting.state].join('/');
}"""


def test_a_new_deploy_of_the_worker_while_records_wait_keeps_them_and_the_pages(
    browser, live_server, transactional_db, monkeypatch
):
    """The service worker changes (a new deploy) while a visit, a meeting and a field day of the
    same day wait: nothing is lost, the pages still open without signal, each record goes once;
    every request of the session stays on this site and the pages keep their CSP."""
    from django.utils import timezone

    from sanwen.fieldwork.models import FieldDay, Meeting, Visit
    from sanwen.testing import build_world

    from .test_offline import _meeting

    world = build_world()
    staff = world.a.users["staff"]
    context, page = _phone(browser)
    seen, policies = [], {}
    context.on("request", lambda r: seen.append(r.url))

    def response(r):
        if r.request.resource_type == "document":
            policies[r.url] = r.headers.get("content-security-policy", "")

    context.on("response", response)
    log_in(page, live_server, staff.username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    _visit(page, live_server, "zl", "同一天：走访")
    _meeting(page, live_server)
    page.goto(f"{live_server.url}/field/")
    page.fill("#id_activity", "同一天：到烟站查看收购")
    page.click("#field-day-form button")
    page.wait_for_selector("#outbox-saved")
    assert _waiting(page) == 3

    # A new deploy: the worker the server sends differs by a byte (the browser checks it on reload).
    import sanwen.fieldwork.views as field_views

    monkeypatch.setattr(field_views, "STAFF_CSP", field_views.STAFF_CSP + " ")
    context.route("**/api/v1/offline/**", lambda route: route.abort("internetdisconnected"))
    context.set_offline(False)
    page.reload()
    _wait(page, "data-offline-ready='1'")
    assert page.evaluate(UPDATED) in ("activating//", "activated//")  # the new worker took over
    assert _waiting(page) == 3 and not Visit.objects.exists()
    context.set_offline(True)
    page.goto(f"{live_server.url}/field/visits/new/")  # the new worker still has the kept pages
    page.wait_for_selector("#visit-form")
    context.unroute("**/api/v1/offline/**")
    context.set_offline(False)
    page.goto(f"{live_server.url}/field/outbox/")
    _wait(page, "data-outbox-waiting='0'")
    today = timezone.localdate()
    assert Visit.objects.get().on == today and Meeting.objects.get().on == today
    assert FieldDay.objects.get(staff=staff).on == today
    host = live_server.url
    assert [u for u in seen if not u.startswith(host) and not u.startswith(("data:", "blob:"))] == []
    assert policies and all("default-src 'none'" in p and "script-src 'self'" in p for p in policies.values())
    context.close()


@pytest.mark.parametrize("cut", ["before the request", "reload once applied"])
def test_an_upload_cut_before_the_request_or_by_a_reload_goes_once(
    browser, live_server, transactional_db, cut
):
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    context, page = _phone(browser)
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    _visit(page, live_server, "zl", "上传被打断的走访")
    calls, reloads = [], []

    def interrupt(route):
        calls.append(route.request.url)
        if len(calls) > 1:
            route.continue_()
        elif cut == "before the request":
            route.abort("internetdisconnected")  # nothing reached the server
        else:
            route.fetch()  # the server applied it; the person reloads before the answer
            reloads.append(True)
            route.abort("aborted")

    context.route("**/api/v1/offline/visits", interrupt)
    context.set_offline(False)
    for _ in range(200):
        if calls:
            break
        page.wait_for_timeout(50)
    if cut == "reload once applied":
        for _ in range(200):
            if reloads:
                break
            page.wait_for_timeout(50)
        page.reload()  # the page loads again and uploads what still waits
    else:
        page.wait_for_timeout(300)
        assert _waiting(page) == 1 and not Visit.objects.exists()
        page.click("#outbox-sync")
    _wait(page, "data-outbox-waiting='0'")
    assert len(calls) >= 2
    assert list(Visit.objects.values_list("diary", flat=True)) == ["上传被打断的走访"]
    context.close()


def test_a_busy_server_is_tried_again_within_seconds_without_a_tap(browser, live_server, transactional_db):
    """The first upload meets a busy server (503): the phone tries again by itself within seconds
    (2 s, then longer), well before the next minute's round, and the visit arrives once."""
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    staff = world.a.users["staff"]
    context, page = _phone(browser)
    log_in(page, live_server, staff.username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    _visit(page, live_server, "zl", "信号回来时服务器正忙")
    assert _waiting(page) == 1
    refused = []

    def busy_once(route):
        if refused:
            route.continue_()
        else:
            refused.append(route.request.url)
            route.fulfill(status=503, content_type="text/plain", body="busy")

    context.route("**/api/v1/offline/visits", busy_once)
    context.set_offline(False)
    page.wait_for_selector("html[data-outbox-waiting='0']", state="attached", timeout=30000)
    assert len(refused) == 1
    assert Visit.objects.filter(staff=staff).count() == 1
    context.close()
