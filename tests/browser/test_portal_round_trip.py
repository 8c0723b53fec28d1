"""The public portal on a phone, as a farmer who has never used it: raise a difficulty with a photo,
get the code; the bureau handles it in the open; the farmer follows and rates it; the public board
shows it."""

import io
import re

from PIL import Image

from sanwen.testing import PASSWORD

from .conftest import log_in


def phone(browser):
    context = browser.new_context(
        locale="zh-CN",
        viewport={"width": 390, "height": 844},
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    return context, page


def test_raise_follow_rate_and_see_it_on_the_board(
    browser, live_server, transactional_db, screenshot, tmp_path
):
    from sanwen.cases.models import Case
    from sanwen.testing import build_world

    world = build_world()
    head, staff = world.a.users["dept_head"], world.a.users["staff"]
    photo = tmp_path / "roof.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), (90, 120, 160)).save(buffer, format="JPEG")
    photo.write_bytes(buffer.getvalue())

    # A farmer scans the cadre's visit card and raises a difficulty.
    context, page = phone(browser)
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"{live_server.url}/p/card/{staff.card_code}/")
    assert "联系卡" in page.inner_text("#card-note")
    page.click("text=种烟或经营中的困难")
    page.fill("#id_text", "仁里村烤房屋顶漏雨，马上要烤烟了，希望帮忙联系维修")
    page.select_option("#id_township", str(world.a.township.pk))
    # Only the villages of the chosen township are offered.
    offered = page.eval_on_selector_all(
        "#id_village option:not([disabled])", "os => os.map(o => o.textContent)"
    )
    assert world.a.village.name in offered and world.b.village.name not in offered
    page.select_option("#id_village", str(world.a.village.pk))
    page.set_input_files("#id_photo", str(photo))
    page.wait_for_selector("#photo-preview:not(.d-none)")
    page.fill("#id_name", "王大春")
    page.fill("#id_phone", "13877771234")
    screenshot(page, "portal-raise-phone")
    page.click("#raise-submit")
    page.wait_for_selector("#tracking-code")
    code = page.inner_text("#tracking-code").strip()
    assert re.fullmatch(r"[2-9A-Z]{5}-[2-9A-Z]{5}", code)
    screenshot(page, "portal-received-phone")
    assert not [e for e in errors if "Content Security Policy" in e], errors
    case = Case.objects.get(tracking_code=code.replace("-", ""))
    assert case.via_card_of == staff and case.photos.count() == 1 and case.source == "portal"
    context.close()

    # The department head accepts it to be handled in the open and assigns it; the owner resolves it.
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, head.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.select_option("#action-accept select[name=mode]", label="阳光操作公开办")
    page.click("#action-accept button[type=submit]")
    page.wait_for_selector("#action-assign")
    page.select_option("#action-assign select[name=owner]", str(staff.pk))
    page.click("#action-assign button[type=submit]")
    page.wait_for_selector("text=开始办理")
    context.close()
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, staff.username, PASSWORD)
    page.goto(f"{live_server.url}{case.get_absolute_url()}")
    page.click("text=开始办理")
    page.click("text=更多：办理进展、联系客户、协作单位、延期、重办、合并")
    page.fill("#action-note textarea[name=text]", "已联系维修队，明天上门")
    page.check("#action-note input[name=public]")
    page.click("#action-note button[type=submit]")
    page.wait_for_selector("#action-resolve")
    page.fill("#action-resolve textarea[name=resolution]", "维修队已修好烤房屋顶")
    page.click("#action-resolve button[type=submit]")
    page.wait_for_selector("text=已办结")
    context.close()

    # The farmer follows the code and rates the result.
    context, page = phone(browser)
    page.goto(f"{live_server.url}/p/track/")
    page.fill("#id_code", code.lower().replace("-", " "))
    page.click("#track-form button[type=submit]")
    page.wait_for_selector("#status")
    assert "已办结，待您评价" in page.inner_text("#state")
    body = page.inner_text("body")
    assert "已联系维修队，明天上门" in body and "维修队已修好烤房屋顶" in body
    for secret in ("王大春", "13877771234", staff.name, head.name):
        assert secret not in body, secret
    screenshot(page, "portal-status-phone")
    page.click("#rate label:has-text('满意') >> nth=0")
    page.fill("#id_comment", "修得很及时")
    page.click("#rate-submit")
    page.wait_for_selector("#rated")
    assert "已办结，已评价" in page.inner_text("#state")
    case.refresh_from_db()
    assert case.state == "visited" and case.satisfaction == "satisfied"

    # The public board shows it, without the farmer's name.
    page.goto(f"{live_server.url}/p/451122/board/")
    board = page.inner_text("main")
    assert "仁里村烤房屋顶漏雨" in board and "维修队已修好烤房屋顶" in board
    assert "王*春" in board and "王大春" not in board
    screenshot(page, "portal-board-phone")
    context.close()


def test_visit_cards_print_four_to_an_a4_sheet(browser, live_server, transactional_db, screenshot):
    from sanwen.testing import build_world

    world = build_world()
    leader = world.a.users["leader"]
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15000)
    log_in(page, live_server, leader.username, PASSWORD)
    page.goto(f"{live_server.url}/cards/?department={world.a.department.pk}")
    assert page.locator(".visit-card").count() == 5
    assert page.locator(".visit-card svg").count() == 5
    screenshot(page, "visit-cards")
    page.emulate_media(media="print")
    sheet = page.locator(".card-sheet").first.bounding_box()
    card = page.locator(".visit-card").first.bounding_box()
    # 96 px to the inch: A4 is 793.7 × 1122.5 px, A6 396.9 × 559.4 px.
    assert (
        abs(sheet["width"] - 793.7) < 2 and abs(card["width"] - 396.9) < 2 and abs(card["height"] - 559.4) < 2
    )
    pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type/Page") >= 2
    screenshot(page, "visit-cards-print")
    context.close()
