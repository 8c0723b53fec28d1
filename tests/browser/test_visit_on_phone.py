import io

from PIL import Image

from sanwen.testing import PASSWORD

from .conftest import log_in


def test_a_visit_recorded_on_a_phone_raises_a_case(browser, live_server, transactional_db, screenshot):
    from sanwen.cases.models import Case
    from sanwen.fieldwork.models import FieldDay, Visit
    from sanwen.testing import build_world

    world = build_world()
    staff = world.a.users["staff"]
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 24.526, "longitude": 111.305, "accuracy": 15},
        permissions=["geolocation"],
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, staff.username, PASSWORD)
    # Home shows this month's on-site days and the way to record a visit.
    page.wait_for_selector("#my-field-days")
    page.click("#my-field-days >> text=记录走访")
    page.wait_for_selector("#visit-form")
    page.wait_for_load_state("load")  # htmx reads the search input once the page's scripts ran
    page.fill("#household-q", "zl")
    page.click("#household-results [data-household]")
    page.fill("#household-q", "三丰")
    page.click("#household-results [data-household]")
    assert page.locator("#chosen .chip").count() == 2
    page.fill("#id_diary", "到钟林家查看烟苗，烟苗长势整齐；顺路走访三丰便利店")
    page.click("text=活动载体、五员、同行人员、照片")
    page.click("label:has-text('送政策释民惑')")
    buffer = io.BytesIO()
    Image.new("RGB", (300, 200), (40, 120, 40)).save(buffer, format="JPEG")
    page.set_input_files(
        "#id_photos", files=[{"name": "IMG_1.jpg", "mimeType": "image/jpeg", "buffer": buffer.getvalue()}]
    )
    page.click("#add-item")
    page.select_option("#id_items-0-kind", "difficulty")
    page.select_option("#id_items-0-household", label="钟林 · 公安镇")
    page.fill("#id_items-0-text", "烤房漏风，烘烤温度不稳，希望帮助维修")
    page.wait_for_function("document.getElementById('id_latitude').value !== ''")
    screenshot(page, "visit-record-phone")
    page.click("#visit-form button[type=submit]")
    page.wait_for_selector("#visit-cases")
    screenshot(page, "visit-recorded-phone")

    visit = Visit.objects.get()
    assert visit.households.count() == 2 and visit.photos.count() == 1
    assert str(visit.latitude) == "24.526000" and visit.vehicles.get().name == "送政策释民惑"
    case = Case.objects.get(visit=visit)
    assert (case.household, case.concern_kind, case.source) == (world.a.farmer, "difficulty", "visit")
    assert FieldDay.objects.filter(staff=staff, on=visit.on).exists()
    assert case.number in page.inner_text("#visit-cases")
    context.close()
