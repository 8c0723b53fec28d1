"""Field work without signal, in chromium on a 390 px phone: the field pages load offline from the
service worker, records wait in the outbox and reach the server exactly once — resent, cut in the
middle of an upload, the page closed mid-upload, the session expired, another person logged in."""

import io

import pytest
from PIL import Image

from sanwen.testing import PASSWORD

from .conftest import ARTIFACTS, log_in


def _phone(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(30000)
    page.on("console", lambda m: print("console:", m.type, m.text))
    page.on("pageerror", lambda e: print("pageerror:", e))
    page.on("requestfailed", lambda r: print("failed:", r.url))
    return context, page


def _ready(page, live_server, path="/field/"):
    page.goto(f"{live_server.url}{path}")
    _wait(page, "data-offline-ready='1'")
    for attempt in range(900):  # a loaded machine can take tens of seconds to install the worker
        if page.evaluate("() => navigator.serviceWorker.controller !== null"):
            break
        if attempt == 400:
            # Installed but not yet claiming this page (a slow activation): a page loaded while the
            # worker is active is always its, as a cadre's next page would be.
            page.reload()
            _wait(page, "data-offline-ready='1'")
        page.wait_for_timeout(100)
    else:
        raise AssertionError("the service worker never took control of the page")


def _wait(page, attribute):
    """Wait on an attribute of <html> (a selector, not script: the pages' CSP forbids eval)."""
    page.wait_for_selector(f"html[{attribute}]", state="attached")


def _log_out(page):
    page.click(".navbar-toggler")
    # The menu opens with an animation; a tap while it is still opening lands on the menu itself
    # (seen in CI: the click reached div.navbar-collapse.collapsing and the form was never sent).
    page.wait_for_selector("#nav.collapse.show")
    page.click("form[action$='/logout/'] button")


def _waiting(page) -> int:
    return int(page.evaluate("document.documentElement.dataset.outboxWaiting || '0'"))


def _photo(colour=(40, 120, 40)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def _visit(page, live_server, query, diary, photo=None, shot=None):
    page.goto(f"{live_server.url}/field/visits/new/")
    page.fill("#household-q", query)
    page.wait_for_selector("#household-results [data-household]")
    if shot:
        page.screenshot(path=str(ARTIFACTS / f"{shot}.png"), full_page=True)
    page.click("#household-results [data-household]")
    page.fill("#id_diary", diary)
    if photo:
        page.set_input_files(
            "#id_photos", files=[{"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": photo}]
        )
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#outbox-saved")
    _wait(page, "data-offline-ready='1'")


def _meeting(page, live_server):
    page.goto(f"{live_server.url}/field/meetings/new/")
    page.select_option("#id_kind", "village")
    page.fill("#id_title", "大龙村院坝会")
    page.fill("#id_place", "村委会")
    page.fill("#id_minutes", "烟农反映烘烤用煤紧张")
    page.click("#meeting-form button[type=submit]")
    page.wait_for_selector("#outbox-saved")
    _wait(page, "data-offline-ready='1'")


SNAPSHOT = """async () => {
  const d = await new Promise((ok) => { const r = indexedDB.open('sanwen-outbox', 1); r.onsuccess = () => ok(r.result); });
  window.__outbox = await new Promise((ok) => { const r = d.transaction('records').objectStore('records').getAll(); r.onsuccess = () => ok(r.result); });
  return window.__outbox.length;
}"""
IN_STORE = """async () => {
  const d = await new Promise((ok) => { const r = indexedDB.open('sanwen-outbox', 1); r.onsuccess = () => ok(r.result); });
  return await new Promise((ok) => { const r = d.transaction('records').objectStore('records').count(); r.onsuccess = () => ok(r.result); });
}"""
REPLAY = """async () => {
  const d = await new Promise((ok) => { const r = indexedDB.open('sanwen-outbox', 1); r.onsuccess = () => ok(r.result); });
  await new Promise((ok) => { const t = d.transaction('records', 'readwrite'); window.__outbox.forEach((r) => t.objectStore('records').put(r)); t.oncomplete = ok; });
  window.dispatchEvent(new Event('online'));
}"""


def test_records_made_offline_reach_the_server_exactly_once(browser, live_server, transactional_db):
    from sanwen.fieldwork.models import Meeting, Visit, VisitPhoto
    from sanwen.testing import build_world

    world = build_world()
    staff = world.a.users["staff"]
    context, page = _phone(browser)
    log_in(page, live_server, staff.username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    page.reload()  # the page comes from the phone
    assert page.locator("#field-day-form").count() == 1
    _visit(page, live_server, "zl", "到钟林家查看烟苗，长势整齐", shot="visit-offline-search-phone")
    _visit(page, live_server, "钟林", "第二次走访钟林：烤房漏风", photo=_photo())
    _visit(page, live_server, "1234", "第三次走访：按手机尾号找到钟林")
    _meeting(page, live_server)
    assert _waiting(page) == 4
    assert page.inner_text("#outbox-indicator").strip() == "4 条待上传"
    assert page.locator("#outbox-offline").is_visible()
    page.screenshot(path=str(ARTIFACTS / "outbox-offline-phone.png"), full_page=True)
    assert not Visit.objects.exists() and not Meeting.objects.exists()
    assert page.evaluate(SNAPSHOT) == 4

    context.set_offline(False)
    _wait(page, "data-outbox-waiting='0'")
    assert page.get_attribute("html", "data-outbox-refused") == "0"
    assert Visit.objects.filter(recorded_by=staff).count() == 3 and Meeting.objects.count() == 1
    assert sorted(Visit.objects.values_list("diary", flat=True))[0].startswith("到钟林家")
    photo = VisitPhoto.objects.get()
    assert photo.visit.diary.startswith("第二次") and Image.open(photo.image).size == (320, 240)
    assert page.locator("#outbox-last").inner_text() not in ("", "—", "尚未上传")
    page.screenshot(path=str(ARTIFACTS / "outbox-uploaded-phone.png"), full_page=True)

    page.evaluate(REPLAY)  # every record sent again, with its id
    assert page.evaluate(IN_STORE) == 4
    # Each record leaves the phone once the server has answered for it (the page's count was 0 already,
    # so it cannot say when the replay is done).
    for _ in range(600):
        if page.evaluate(IN_STORE) == 0:
            break
        page.wait_for_timeout(50)
    else:
        raise AssertionError("the replayed records were never answered")
    assert Visit.objects.count() == 3 and Meeting.objects.count() == 1 and VisitPhoto.objects.count() == 1
    context.close()


@pytest.mark.parametrize("cut", ["answer lost", "page closed"])
def test_an_upload_cut_in_the_middle_loses_nothing_and_doubles_nothing(
    browser, live_server, transactional_db, cut
):
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    context, page = _phone(browser)
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    _visit(page, live_server, "zl", "走访一：查看烟苗")
    _visit(page, live_server, "zl", "走访二：了解收购")
    calls, cut_done = [], []

    def applied_then_cut(route):
        calls.append(route.request.url)
        if len(calls) == 1:
            route.fetch()  # the server applies the record; its answer never reaches the phone
            if cut == "page closed":
                page.close()
                return
            route.abort("internetdisconnected")
            cut_done.append(True)
        else:
            route.continue_()

    context.route("**/api/v1/offline/visits", applied_then_cut)
    context.set_offline(False)
    if cut == "page closed":
        if not page.is_closed():  # the route handler runs while Playwright waits
            page.wait_for_event("close")
        page = context.new_page()
        page.set_default_timeout(20000)
        page.goto(f"{live_server.url}/field/outbox/")
    else:
        for _ in range(600):
            if cut_done:
                break
            page.wait_for_timeout(50)
        else:
            raise AssertionError("the upload was never cut")
        page.wait_for_timeout(300)
        _wait(page, "data-outbox-waiting='2'")
        assert Visit.objects.count() == 1  # applied once, still waiting on the phone
        page.click("#outbox-sync")
    _wait(page, "data-outbox-waiting='0'")
    assert sorted(Visit.objects.values_list("diary", flat=True)) == ["走访一：查看烟苗", "走访二：了解收购"]
    assert len(calls) >= 3
    context.close()


def test_an_expired_session_keeps_the_outbox_for_the_same_person_only(browser, live_server, transactional_db):
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    staff, other = world.a.users["staff"], world.a.users["dept_head"]
    context, page = _phone(browser)
    log_in(page, live_server, staff.username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    _visit(page, live_server, "zl", "断网时记下的走访")
    page.goto(f"{live_server.url}/field/outbox/")  # from the phone, offline
    context.clear_cookies()  # the session expires while the phone is offline
    context.set_offline(False)
    page.wait_for_selector("#outbox-login:not(.d-none)")  # the upload met the expired session
    assert _waiting(page) == 1 and not Visit.objects.exists()
    page.screenshot(path=str(ARTIFACTS / "outbox-session-ended-phone.png"), full_page=True)
    page.goto(f"{live_server.url}/field/")  # the login page says what waits
    page.wait_for_selector("#offline-login-notice:not(.d-none)")
    assert "1" in page.inner_text("#offline-login-notice")

    log_in(page, live_server, other.username, PASSWORD)  # someone else on the same phone
    page.goto(f"{live_server.url}/field/outbox/")
    _wait(page, "data-offline-ready='1'")
    page.wait_for_selector(".outbox-record .badge.text-bg-secondary")
    assert not Visit.objects.exists()
    _log_out(page)  # nothing of theirs waits: no warning
    page.wait_for_url("**/login/**")

    log_in(page, live_server, staff.username, PASSWORD)
    _wait(page, "data-outbox-waiting='0'")
    visit = Visit.objects.get()
    assert visit.recorded_by == staff and list(visit.staff.all()) == [staff]

    # Logging out with a record waiting asks first; saying no keeps the person logged in.
    _wait(page, "data-offline-ready='1'")  # the pages are kept again after the last logout forgot them
    context.set_offline(True)
    _visit(page, live_server, "zl", "又一条")
    messages = []
    page.once("dialog", lambda dialog: (messages.append(dialog.message), dialog.dismiss()))
    _log_out(page)
    for _ in range(150):  # the question comes once the phone's storage has counted (seconds on a busy CI)
        if messages:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)  # saying no leaves the person where they were
    assert messages and "1" in messages[0] and "/outbox/" in page.url
    context.close()


def test_a_refused_record_shows_why_and_goes_once_corrected(browser, live_server, transactional_db):
    import datetime

    from django.utils import timezone

    from sanwen.fieldwork.models import FieldDay, Visit
    from sanwen.testing import build_world

    world = build_world()
    staff = world.a.users["staff"]
    context, page = _phone(browser)
    log_in(page, live_server, staff.username, PASSWORD)
    _ready(page, live_server)
    context.set_offline(True)
    today = timezone.localdate()
    page.goto(f"{live_server.url}/field/visits/new/")
    page.fill("#household-q", "zl")
    page.click("#household-results [data-household]")
    page.fill("#id_on", str(today - datetime.timedelta(days=40)))  # outside the 30-day window
    page.fill("#id_diary", "上个月的走访，今天才补记")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#outbox-saved")
    page.goto(f"{live_server.url}/field/")  # a field day without a visit, offline too
    page.fill("#id_on", str(today - datetime.timedelta(days=1)))
    page.fill("#id_activity", "到烟站查看收购秩序")
    page.click("#field-day-form button")
    page.wait_for_selector("#outbox-saved")
    assert _waiting(page) == 2

    context.set_offline(False)
    page.wait_for_selector(".outbox-record[data-state=refused] .outbox-reason")
    _wait(page, "data-outbox-waiting='0'")
    reason = page.inner_text(".outbox-record[data-state=refused] .outbox-reason")
    assert "超出了补录期限" in reason and "30" in reason
    assert page.inner_text("#outbox-indicator").strip() == "1 条被退回"
    assert FieldDay.objects.get(staff=staff).on == today - datetime.timedelta(days=1)
    assert not Visit.objects.exists()
    page.screenshot(path=str(ARTIFACTS / "outbox-refused-phone.png"), full_page=True)

    page.click(".outbox-record[data-state=refused] >> text=修改")
    page.wait_for_selector("#offline-editing:not(.d-none)")
    assert page.locator("#chosen .chip").count() == 1
    assert page.input_value("#id_diary") == "上个月的走访，今天才补记"
    page.screenshot(path=str(ARTIFACTS / "outbox-correcting-phone.png"), full_page=True)
    page.fill("#id_on", str(today - datetime.timedelta(days=2)))
    page.click("#visit-form button[type=submit]")  # online now: sent at once, then its page
    page.wait_for_url("**/field/visits/*/")
    _wait(page, "data-outbox-refused='0'")
    _wait(page, "data-outbox-waiting='0'")
    visit = Visit.objects.get()
    assert page.url.endswith(visit.get_absolute_url())
    assert visit.on == today - datetime.timedelta(days=2) and visit.diary == "上个月的走访，今天才补记"
    context.close()


def test_a_phone_that_says_online_without_signal_keeps_the_record(browser, live_server, transactional_db):
    """navigator.onLine is true, but nothing gets through: the visit waits instead of being lost,
    and goes once when the signal comes back."""
    from sanwen.fieldwork.models import Visit
    from sanwen.testing import build_world

    world = build_world()
    context, page = _phone(browser)
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)
    _ready(page, live_server, "/field/visits/new/")
    context.route("**/api/v1/**", lambda route: route.abort("timedout"))
    page.fill("#household-q", "zl")
    page.click("#household-results [data-household]")
    page.fill("#id_diary", "信号时有时无")
    page.dblclick("#visit-form button[type=submit]")  # a double tap saves one record
    page.wait_for_selector("#outbox-saved")
    assert _waiting(page) == 1 and not Visit.objects.exists()
    context.unroute("**/api/v1/**")
    page.click("#outbox-sync")
    _wait(page, "data-outbox-waiting='0'")
    assert Visit.objects.get().diary == "信号时有时无"
    context.close()
