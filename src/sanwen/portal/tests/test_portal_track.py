"""Following an item by its code: the status page shows progress and never a personal detail; the
code holder rates the result once; guessing codes finds nothing and is slowed down."""

import random
import re

import pytest

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.models import Case, ContactKind, State
from sanwen.cases.services import (
    case_accept,
    case_add_note,
    case_assign,
    case_merge,
    case_register,
    case_resolve,
)
from sanwen.core import codes
from sanwen.core.access import Role
from sanwen.portal.tests.conftest import raise_item


def resolved(client, world, today, **kwargs):
    case = raise_item(client, world, **kwargs)
    a = world.a
    head, staff = a.users[Role.DEPT_HEAD], a.users[Role.STAFF]
    public_mode = HandlingMode.objects.get(campaign=a.campaign, code="public")
    case = case_accept(case=case, by=head, mode=public_mode, on=today)
    case = case_assign(case=case, by=head, owner=staff, on=today)
    case_add_note(case=case, by=staff, text="已联系维修队，王大春电话13877771234", public=True, on=today)
    case_add_note(case=case, by=staff, text="内部：村干部廖某意见大", public=False, on=today)
    return case_resolve(
        case=case, by=staff, resolution="维修队已修好烤房屋顶，联系人手机13877771234", on=today
    )


def status_page(client, case, **params):
    return client.get("/p/track/", {"code": codes.display(case.tracking_code), **params})


def test_the_status_page_shows_progress_and_no_personal_detail(client, world, today):
    case = resolved(client, world, today)
    response = status_page(client, case)
    page = response.content.decode()
    assert response.status_code == 200
    assert "已办结，待您评价" in page and case.number in page
    assert "已联系维修队" in page  # a public note
    assert "维修队已修好烤房屋顶" in page  # the result
    assert "客户服务站" in page  # the department, not the person
    staff = world.a.users[Role.STAFF]
    for secret in (
        "王大春",
        "13877771234",
        "村干部廖某",  # a note not marked public
        staff.name,
        world.a.users[Role.DEPT_HEAD].name,
        staff.username,
        world.a.farmer.name,
        "大龙村3组",
    ):
        assert secret not in page, secret
    assert "138****1234" in page  # numbers in staff text are masked
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "same-origin"


def test_a_case_a_cadre_registered_can_be_followed_too(client, world, today):
    staff = world.a.users[Role.STAFF]
    case = case_register(
        bureau=world.a.bureau,
        by=staff,
        description="钟林反映烟苗长势差",
        ask_kind="need",
        source="visit",
        household=world.a.farmer,
        raised_on=today,
    )
    page = status_page(client, case).content.decode()
    assert "已登记，待受理" in page and "钟林" not in page and "烟苗长势差" not in page


@pytest.mark.parametrize(
    ("typed", "message"),
    [("ABC12", "10位"), ("0OI1U-23456", "不含I、O、U"), ("ABCDE-FGHJK", "校验")],
)
def test_a_mistyped_code_gets_a_clear_message(client, world, today, typed, message):
    response = client.get("/p/track/", {"code": typed})
    assert response.status_code == 404 and message in response.content.decode()


def test_an_unknown_code_finds_nothing(client, world, today):
    raise_item(client, world)
    response = client.get("/p/track/", {"code": codes.new_code()})
    assert response.status_code == 404 and "没有找到" in response.content.decode()


def test_thousands_of_random_codes_find_nothing(client, world, today, settings):
    for _ in range(20):
        raise_item(client, world, village="")
    settings.PORTAL_RATE_LIMITS = dict(settings.PORTAL_RATE_LIMITS, lookup=[(10_000, 600)])
    known = set(Case.objects.values_list("tracking_code", flat=True))
    rng = random.Random(2026)
    guesses = []
    for _ in range(3000):
        body = "".join(rng.choice(codes.ALPHABET) for _ in range(codes.BODY))
        guesses.append(body + codes.check_symbol(body))
    assert not Case.objects.filter(tracking_code__in=guesses).exists()
    found = 0
    for guess in guesses[:300]:  # and through the page itself
        found += client.get("/p/track/", {"code": guess}).status_code == 200
    assert found == 0 and not known & set(guesses)


def test_guessing_is_slowed_down(client, world, today, settings):
    settings.PORTAL_RATE_LIMITS = dict(settings.PORTAL_RATE_LIMITS, lookup=[(5, 600)])
    for _ in range(5):
        assert client.get("/p/track/", {"code": codes.new_code()}).status_code == 404
    response = client.get("/p/track/", {"code": codes.new_code()})
    assert response.status_code == 429 and "次数过多" in response.content.decode()


def test_the_code_holder_rates_the_result_once(client, world, today):
    case = resolved(client, world, today)
    response = client.post("/p/track/rate/", {"code": case.tracking_code, "satisfaction": "satisfied"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.VISITED and case.satisfaction == "satisfied"
    visit = case.return_visits.get()
    assert visit.channel == ContactKind.PORTAL and visit.by is None
    page = client.get(response["Location"]).content.decode()
    assert "感谢您的评价" in page and 'id="rate"' not in page
    again = client.post(
        "/p/track/rate/", {"code": case.tracking_code, "satisfaction": "dissatisfied", "comment": "x"}
    )
    assert again.status_code == 400 and "已经评价" in again.content.decode()
    assert case.return_visits.count() == 1


def test_dissatisfied_needs_a_reason_and_reopens_the_case(client, world, today):
    case = resolved(client, world, today)
    response = client.post("/p/track/rate/", {"code": case.tracking_code, "satisfaction": "dissatisfied"})
    assert response.status_code == 400 and "不满意的原因" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.RESOLVED
    response = client.post(
        "/p/track/rate/",
        {"code": case.tracking_code, "satisfaction": "dissatisfied", "comment": "下雨还是漏"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.IN_PROGRESS and case.reopened == 1
    assert case.events.filter(kind="reopened").exists()
    page = client.get(response["Location"]).content.decode()
    assert re.search(r'id="state">[^<]*办理中', page) and 'id="rate"' not in page


def test_an_unresolved_case_cannot_be_rated(client, world, today):
    case = raise_item(client, world)
    page = status_page(client, case).content.decode()
    assert 'id="rate"' not in page
    response = client.post("/p/track/rate/", {"code": case.tracking_code, "satisfaction": "satisfied"})
    assert response.status_code == 400 and "办结后" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.REGISTERED


def test_a_merged_item_shows_the_progress_of_the_case_it_joined(client, world, today):
    first = raise_item(client, world)
    second = raise_item(client, world, text="我们村的烤房也漏雨，请派人来看看")
    head = world.a.users[Role.DEPT_HEAD]
    first = case_accept(case=first, by=head, on=today)
    case_merge(case=second, into=first, by=head, on=today)
    page = status_page(client, second).content.decode()
    assert "一并办理" in page and "已受理" in page
    assert re.search(r'id="state">[^<]*已受理', page)
