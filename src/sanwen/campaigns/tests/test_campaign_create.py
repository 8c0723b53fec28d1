import datetime

import pytest
from django.core.exceptions import ValidationError

from sanwen.campaigns.models import Campaign, ClosingRule, DeadlineKind, HandlingMode
from sanwen.org.models import Rank


def test_a_new_campaign_carries_the_reports_vocabulary(world):
    campaign = world.a.campaign
    assert [v.name for v in campaign.vehicle_set.all()] == [
        "送政策释民惑",
        "送温暖聚民心",
        "送服务解民怨",
        "抓生产经营谋发展",
        "抓基层强基础",
        "抓调研出成果",
    ]
    assert [r.name for r in campaign.visitrole_set.all()] == [
        "政策宣传员",
        "群众服务员",
        "矛盾调解员",
        "工作指导员",
    ]
    assert {q.rank: q.days_per_month for q in campaign.quotas.all()} == {
        Rank.LEADER: 8,
        Rank.DEPT_HEAD: 13,
        Rank.KEY_STAFF: 18,
        Rank.STAFF: 18,
    }
    assert [d.name for d in campaign.reviewdimension_set.all()] == [
        "作用发挥情况",
        "工作成绩",
        "承诺践诺情况",
        "存在的不足和问题",
        "今后努力的方向",
    ]
    assert len(campaign.prohibition_set.all()) == 5
    assert len(campaign.zerotarget_set.all()) == 6


def test_the_eight_modes_have_the_default_time_limits_and_rules(world):
    modes = {m.code: m for m in world.a.campaign.handlingmode_set.all()}
    assert len(modes) == 8
    assert (modes["immediate"].time_limit_days, modes["immediate"].resolvable_on_the_spot) == (1, True)
    assert (modes["centralised"].deadline_kind, modes["centralised"].time_limit_days) == (
        DeadlineKind.BATCH,
        15,
    )
    assert (modes["proactive"].time_limit_days, modes["proactive"].first_contact_days) == (10, 2)
    assert (
        modes["deadline"].deadline_kind == DeadlineKind.EXPLICIT and modes["deadline"].time_limit_days is None
    )
    assert modes["on_site"].closing_rule == ClosingRule.ONSITE_VISIT and modes["on_site"].time_limit_days == 5
    assert modes["multi_party"].time_limit_days == 30
    assert modes["public"].closing_rule == ClosingRule.PUBLIC_BOARD
    assert modes["tracked"].follow_up_days == [7, 30, 90]


def test_the_rules_are_per_campaign_data(world):
    mode = HandlingMode.objects.get(campaign=world.a.campaign, code="on_site")
    mode.time_limit_days = 3
    mode.save()
    assert HandlingMode.objects.get(campaign=world.b.campaign, code="on_site").time_limit_days == 5


def test_a_mode_without_its_parameters_is_invalid(world):
    mode = HandlingMode.objects.get(campaign=world.a.campaign, code="tracked")
    mode.follow_up_days = [7, "x"]
    with pytest.raises(ValidationError):
        mode.full_clean()


def test_the_current_campaign_is_found_by_date(world):
    assert Campaign.objects.current(world.a.bureau, datetime.date(2026, 1, 1)) == world.a.campaign
    assert Campaign.objects.current(world.a.bureau, datetime.date(2025, 1, 1)) is None
