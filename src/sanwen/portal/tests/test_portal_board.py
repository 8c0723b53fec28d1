"""The public board: 公开办 cases with their progress and public deeds, personal details masked,
filterable and paginated, in a bounded number of queries."""

import datetime
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanwen.campaigns.models import CaseCategory, DeedKind, HandlingMode, Vehicle
from sanwen.cases.services import case_accept, case_add_note, case_register, deed_record
from sanwen.core.access import Role


def public_case(
    world, day, *, title="集中配送展示柜", confidential=False, township=None, category=None, household=None
):
    a = world.a
    mode = HandlingMode.objects.get(campaign=a.campaign, code="public")
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        title=title,
        description=f"{title}：王大春 13877771234",
        ask_kind="need",
        source="visit",
        mode=mode,
        household=household,
        contact_name="" if household else "王大春",
        contact_phone="13877771234",
        township=township or a.township,
        village=a.village,
        confidential=confidential,
        category=category,
        raised_on=day,
    )
    case = case_accept(case=case, by=a.users[Role.DEPT_HEAD], on=day)
    case_add_note(case=case, by=a.users[Role.DEPT_HEAD], text="已登记需求，统一采购中", public=True, on=day)
    return case


def test_the_board_shows_public_cases_with_masked_details(client, world, today):
    public_case(world, today, household=world.a.retailer)
    public_case(world, today, title="保密事项", confidential=True)
    private = case_register(
        bureau=world.a.bureau,
        by=world.a.users[Role.STAFF],
        description="内部事项不公开",
        ask_kind="need",
        source="visit",
        raised_on=today,
    )
    page = client.get("/p/451122/board/").content.decode()
    assert "集中配送展示柜" in page and "保密事项" in page and "已登记需求，统一采购中" in page
    assert "張*豐" in page  # the retailer, masked
    assert "张三丰" not in page and "張三豐" not in page and "王大春" not in page
    assert "13877771234" not in page and "13912345678" not in page
    assert private.title not in page
    confidential_card = page[page.index("保密事项") :][:800]
    assert world.a.village.name not in confidential_card


def test_the_board_filters_by_township_and_category(client, world, today):
    category = CaseCategory.objects.filter(campaign=world.a.campaign).first()
    other_township = world.places["451122100"]
    public_case(world, today, title="公安镇的事项", category=category)
    public_case(world, today, title="钟山镇的事项", township=other_township)
    page = client.get("/p/451122/board/", {"township": other_township.pk}).content.decode()
    assert "钟山镇的事项" in page and "公安镇的事项" not in page
    page = client.get("/p/451122/board/", {"category": category.pk}).content.decode()
    assert "公安镇的事项" in page and "钟山镇的事项" not in page


def test_the_board_is_paginated_and_its_queries_bounded(client, world, today, django_assert_max_num_queries):
    for i in range(3):
        public_case(world, today, title=f"事项{i}")
    with CaptureQueriesContext(connection) as few:
        client.get("/p/451122/board/")
    for i in range(3, 45):
        public_case(world, today, title=f"事项{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get("/p/451122/board/").content.decode()
    assert page.count("board-item") == 20 and "1 / 3" in page
    assert client.get("/p/451122/board/", {"page": 3}).content.decode().count("board-item") == 5


def test_public_deeds_are_on_the_board(client, world, today):
    kind = DeedKind.objects.filter(campaign=world.a.campaign).first()
    vehicle = Vehicle.objects.filter(campaign=world.a.campaign).first()
    deed_record(
        bureau=world.a.bureau,
        by=world.a.users[Role.DEPT_HEAD],
        kind=kind,
        quantity=3,
        vehicle=vehicle,
        on=today,
        description="为新植烟户机耕3户",
        township=world.a.township,
        public=True,
    )
    page = client.get("/p/451122/board/", {"show": "deeds"}).content.decode()
    assert "为新植烟户机耕3户" in page and kind.name in page
    assert re.search(r"3\s*" + re.escape(kind.unit), page)


def test_another_bureaus_board_shows_nothing_of_this_one(client, world, today):
    public_case(world, today)
    page = client.get("/p/451121/board/").content.decode()
    assert "集中配送展示柜" not in page


def test_every_portal_page_is_under_a_strict_policy_without_inline_code(client, world, today):
    public_case(world, datetime.date(2026, 3, 2))
    for url in ("/p/451122/", "/p/451122/raise/", "/p/track/", "/p/451122/board/", "/p/"):
        response = client.get(url, follow=True)
        assert response.status_code == 200, url
        policy = response["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src 'self'" in policy and "unsafe" not in policy
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)", page), url
        assert not re.search(r"\sstyle=", page), url
        assert not re.search(r"\son\w+=", page), url  # no inline event handlers
        assert "三问三解" in page or "阳光" in page, url
