"""A new user chooses where notices reach them and their quiet hours, on a desktop and on a phone; an
administrator reads the delivery log."""

from sanwen.testing import PASSWORD

from .conftest import log_in


def test_a_new_user_chooses_channels_and_quiet_hours(
    browser, page, phone_page, live_server, transactional_db, screenshot
):
    from sanwen.notify.models import Profile
    from sanwen.testing import build_world

    world = build_world()
    head = world.a.users["dept_head"]
    head.email, head.wecom_userid, head.phone = "head@example.org", "zhanghead", "13912345678"
    head.save()
    log_in(page, live_server, head.username, PASSWORD)
    page.goto(f"{live_server.url}/notify/preferences/")
    assert "通知设置" in page.inner_text("h1")
    assert "139****5678" in page.content()
    page.check("input[name=t_digest][value=sms]")  # daily digest by SMS too
    page.uncheck("#id_t_reminder_0")  # no reminders by e-mail
    page.fill("#id_quiet_start", "21:30")
    page.fill("#id_quiet_end", "07:30")
    screenshot(page, "notify-preferences")
    page.click("button.btn-primary")
    page.wait_for_selector(".alert-success")
    profile = Profile.objects.get(staff=head)
    assert "sms" in profile.channels["digest"] and "email" not in profile.channels["reminder"]
    assert str(profile.quiet_start) == "21:30:00"

    log_in(phone_page, live_server, head.username, PASSWORD)
    phone_page.goto(f"{live_server.url}/notify/preferences/")
    assert phone_page.is_checked("input[name=t_digest][value=sms]")
    screenshot(phone_page, "notify-preferences-phone")


def test_an_administrator_reads_the_delivery_log(page, live_server, transactional_db, screenshot, settings):
    from sanwen.notify.models import Attempt, Message, Outcome, Status
    from sanwen.testing import build_world

    world = build_world()
    staff = world.a.users["staff"]
    sent = Message.objects.create(
        bureau=world.a.bureau,
        recipient=staff,
        channel="wecom",
        address="zhangsan",
        topic="reminder",
        key="a",
        subject="[三问三解] 时限将到（催办）",
        body="正文",
        status=Status.SENT,
        attempts=2,
    )
    Attempt.objects.create(message=sent, outcome=Outcome.RETRIED, code="-1", detail="system busy")
    Attempt.objects.create(message=sent, outcome=Outcome.SENT)
    failed = Message.objects.create(
        bureau=world.a.bureau,
        channel="sms",
        address="13812341234",
        topic="client",
        key="b",
        subject="已登记",
        body="正文",
        status=Status.GAVE_UP,
        attempts=1,
        last_code="isv.MOBILE_NUMBER_ILLEGAL",
    )
    Attempt.objects.create(
        message=failed, outcome=Outcome.GAVE_UP, code="isv.MOBILE_NUMBER_ILLEGAL", detail="非法手机号"
    )
    log_in(page, live_server, world.a.users["admin"].username, PASSWORD)
    page.goto(f"{live_server.url}/notify/log/")
    text = page.inner_text("#delivery-log")
    assert "isv.MOBILE_NUMBER_ILLEGAL" in text and "138****1234" in text and "正文" not in text
    screenshot(page, "notify-log")
