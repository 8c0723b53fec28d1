"""The daily digest at 08:00 on working days, as each recipient may read it; clients' SMS."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from sanwen.accountability.services import report_internal
from sanwen.campaigns.models import HandlingMode, Prohibition
from sanwen.cases.services import case_accept, case_assign, case_record_contact, case_register, case_resolve
from sanwen.core.access import Role
from sanwen.digest.schedule import client_sms_due, digest_if_due, scheduled_work
from sanwen.notify.models import Channel, DigestDay, Message, SmsConsent, Topic

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
D = datetime.date
MARCH_2 = D(2026, 3, 2)


def at(day: datetime.date, hour: int, minute: int = 0):
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=TZ)


@pytest.fixture
def email_everyone(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["email"]
    for bw in (world.a, world.b):
        for person in bw.users.values():
            person.email = f"{person.username}@example.org"
            person.save()


def _case(world, bw=None, *, on=MARCH_2, code="immediate", **kwargs):
    bw = bw or world.a
    mode = HandlingMode.objects.get(campaign=bw.campaign, code=code)
    case = case_register(
        bureau=bw.bureau,
        by=bw.users[Role.STAFF],
        mode=mode,
        raised_on=on,
        description="订货系统经常登录不上，订不到货",
        ask_kind="need",
        source="phone",
        household=bw.retailer,
        **kwargs,
    )
    case = case_accept(case=case, by=bw.users[Role.DEPT_HEAD], on=on)
    return case_assign(case=case, by=bw.users[Role.DEPT_HEAD], owner=bw.users[Role.STAFF], on=on)


def _bodies():
    return {
        m.recipient.username: m.body
        for m in Message.objects.filter(topic=Topic.DIGEST).select_related("recipient")
    }


def test_the_digest_goes_out_once_from_8_on_a_working_day(world, email_everyone):
    overdue = _case(world)  # limit 3 March
    monday = D(2026, 3, 9)
    assert digest_if_due(now=at(monday, 7, 59)) == 0
    assert digest_if_due(now=at(D(2026, 3, 8), 9)) == 0  # a Sunday
    assert digest_if_due(now=at(monday, 8)) > 0
    assert digest_if_due(now=at(monday, 8, 5)) == 0 and digest_if_due(now=at(monday, 15)) == 0
    bodies = _bodies()
    assert overdue.number in bodies["a_leader"] and overdue.number in bodies["a_dept_head"]
    assert "a_staff" not in bodies and "a_admin" not in bodies
    assert all(overdue.number not in body for name, body in bodies.items() if name.startswith("b_"))
    assert Message.objects.filter(topic=Topic.DIGEST, channel=Channel.EMAIL).count() == len(bodies)
    assert DigestDay.objects.count() == 1


def test_a_department_head_reads_their_department_only(world, email_everyone):
    from sanwen.org.services import department_create

    other = department_create(bureau=world.a.bureau, name="烟叶站", kind="leaf")
    theirs = _case(world)
    elsewhere = _case(world)
    type(elsewhere).objects.filter(pk=elsewhere.pk).update(department=other)
    digest_if_due(now=at(D(2026, 3, 9), 8))
    bodies = _bodies()
    assert theirs.number in bodies["a_dept_head"] and elsewhere.number not in bodies["a_dept_head"]
    assert theirs.number in bodies["a_leader"] and elsewhere.number in bodies["a_leader"]


def test_due_tomorrow_and_quota_shortfalls_are_listed(world, email_everyone):
    case = _case(world, on=D(2026, 3, 9))  # 立即办: limit the next working day
    digest_if_due(now=at(D(2026, 3, 9), 8))
    body = _bodies()["a_leader"]
    assert "下一个工作日到期: 1" in body and case.number in body
    assert "本月到点天数尚未达标" in body and world.a.users[Role.STAFF].name in body


def test_new_integrity_reports_reach_inspectors_only_never_about_themselves(world, email_everyone):
    prohibition = Prohibition.objects.filter(campaign=world.a.campaign).first()
    inspector = world.a.users[Role.INSPECTOR]
    report_internal(
        by=world.a.users[Role.STAFF],
        prohibition=prohibition,
        description="在走访时收受零售户购物卡两张",
        accused=inspector,
        on=D(2026, 3, 6),
    )
    digest_if_due(now=at(D(2026, 3, 9), 8))
    bodies = _bodies()
    # The only report is about the inspector: it is not counted for them; the leader's digest has no
    # integrity section at all.
    assert "新收到的违规举报" not in bodies.get("a_inspector", "")
    assert "新收到的违规举报" not in bodies["a_leader"]
    report_internal(
        by=world.a.users[Role.STAFF],
        prohibition=prohibition,
        description="在收购时收受烟农土特产两次",
        accused=world.a.users[Role.STAFF],
        on=D(2026, 3, 9),
    )
    digest_if_due(now=at(D(2026, 3, 10), 8))
    body = Message.objects.get(topic=Topic.DIGEST, key="digest:2026-03-10", recipient=inspector).body
    assert "新收到的违规举报: 1" in body and "土特产" not in body


def _resolve(world, case, on):
    staff = world.a.users[Role.STAFF]
    return case_resolve(case=case, by=staff, resolution="已解决", on=on)


def test_a_client_who_agreed_gets_an_sms_when_registered_and_when_resolved(world, settings):
    settings.PORTAL_BASE_URL = "https://sanwen.example.cn"
    case = _case(world, on=D(2026, 3, 2), contact_phone="13812341234")
    from sanwen.notify.services import sms_consent_give

    sms_consent_give(case=case, phone="13812341234")
    other = _case(world, on=D(2026, 3, 2))  # no consent: never an SMS
    now = at(D(2026, 3, 2), 10)
    assert client_sms_due(now=now) == 1 and client_sms_due(now=now) == 0
    case = _resolve(world, case, D(2026, 3, 3))
    _resolve(world, other, D(2026, 3, 3))
    assert client_sms_due(now=now) == 1 and client_sms_due(now=now) == 0
    sms = list(Message.objects.filter(channel=Channel.SMS).order_by("id"))
    assert [m.template for m in sms] == ["registered", "resolved"]
    assert all(m.address == "13812341234" and m.params["code"] == case.tracking_code for m in sms)
    assert sms[1].params["link"] == f"https://sanwen.example.cn/p/track/?code={case.tracking_code}"
    assert scheduled_work(now=now) == 0


def test_client_sms_waits_for_the_end_of_the_quiet_hours(world):
    case = _case(world, contact_phone="13812341234")
    SmsConsent.objects.create(case=case, phone="13812341234")
    client_sms_due(now=at(D(2026, 3, 2), 23))
    assert Message.objects.get().not_before == at(D(2026, 3, 3), 7)


def test_the_portal_and_the_registration_form_ask_for_consent(client, world):
    bureau = world.a.bureau
    page = client.get(reverse("portal_raise", args=[bureau.code]))
    assert "登记和办结时给我发短信" in page.content.decode()
    form = {
        "kind": "need",
        "text": "村里的烟叶收购点太远了",
        "township": world.a.township.pk,
        "sms_consent": "on",
    }
    refused = client.post(reverse("portal_raise", args=[bureau.code]), form)
    assert refused.status_code == 400 and "如需接收短信，请留下手机号码" in refused.content.decode()
    assert not SmsConsent.objects.exists()
    client.post(reverse("portal_raise", args=[bureau.code]), form | {"phone": "138 1234 1234"})
    consent = SmsConsent.objects.get()
    assert consent.phone == "13812341234" and consent.case.contact_phone == "13812341234"

    client.force_login(world.a.users[Role.STAFF])
    page = client.get(reverse("case_register"))
    assert "群众同意接收短信" in page.content.decode()


def test_the_registration_form_records_consent_with_the_households_phone(client, world):
    client.force_login(world.a.users[Role.STAFF])
    mode = HandlingMode.objects.get(campaign=world.a.campaign, code="immediate")
    form = {
        "description": "订货系统经常登录不上",
        "ask_kind": "need",
        "source": "phone",
        "mode": mode.pk,
        "raised_on": "2026-03-02",
        "sms_consent": "on",
    }
    refused = client.post(reverse("case_register"), form)
    assert refused.status_code == 200 and "如需接收短信，请留下手机号码" in refused.content.decode()
    assert not SmsConsent.objects.exists()
    response = client.post(reverse("case_register"), form | {"household": world.a.farmer.pk})
    assert response.status_code == 302
    assert SmsConsent.objects.get().phone == world.a.farmer.phone


def test_one_resolution_is_told_once(world):
    """Resolving, reopening and resolving again is told twice; the same resolution only once."""
    case = _case(world, contact_phone="13812341234", code="on_site")
    SmsConsent.objects.create(case=case, phone="13812341234", registered_queued_at=at(D(2026, 3, 2), 9))
    case_record_contact(case=case, by=world.a.users[Role.STAFF], kind="on_site", on=D(2026, 3, 3))
    _resolve(world, case, D(2026, 3, 4))
    for _ in range(3):
        client_sms_due(now=at(D(2026, 3, 4), 10))
    assert Message.objects.filter(template="resolved").count() == 1
