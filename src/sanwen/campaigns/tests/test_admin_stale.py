"""The admin's campaign rule pages: two administrators open the same campaign, both save; the second
is refused with the conflict message and the database holds the first one's rules."""

from django.test import Client
from django.urls import reverse

from sanwen.campaigns.models import HandlingMode
from sanwen.core.testing_forms import form_data

CONFLICT = "其他人已修改了此记录"


def test_a_second_save_of_stale_campaign_rules_is_refused(world):
    campaign = world.a.campaign
    first, second = Client(), Client()
    # The platform operator in two browsers: a bureau administrator is not shown the rule inlines
    # (they ask Django's model permissions, which the roles do not grant; the access policy's to fix).
    first.force_login(world.operator)
    second.force_login(world.operator)
    url = reverse("admin:campaigns_campaign_change", args=[campaign.pk])
    seen_by_first = form_data(first.get(url).content.decode(), form_id="campaign_form")
    seen_by_second = form_data(second.get(url).content.decode(), form_id="campaign_form")
    # A time limit of the first handling mode, edited inline on the campaign's page.
    days = next(
        k for k in seen_by_first if k.startswith("handlingmode_set-") and k.endswith("-time_limit_days")
    )
    mode_pk = int(seen_by_first[days.replace("time_limit_days", "id")])
    before = HandlingMode.objects.get(pk=mode_pk).time_limit_days

    assert first.post(url, seen_by_first | {days: str(before + 2)}).status_code == 302
    response = second.post(url, seen_by_second | {days: str(before + 7), "description_zh_hans": "改"})

    assert response.status_code == 200
    assert CONFLICT in response.content.decode()
    assert HandlingMode.objects.get(pk=mode_pk).time_limit_days == before + 2
    campaign.refresh_from_db()
    assert campaign.description == "" and campaign.description_zh_hans in ("", None) and campaign.version == 2
