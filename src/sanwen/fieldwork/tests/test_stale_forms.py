"""Nothing is silently overwritten: two people open the same research topic, both submit; the second
is refused with the conflict message, keeps their entry, and the database holds the first one's."""

import datetime

from django.test import Client
from django.urls import reverse

from sanwen.core.access import Role
from sanwen.core.testing_forms import form_data
from sanwen.fieldwork.services import research_start

CONFLICT = "其他人已修改了此记录"


def test_a_second_research_update_on_a_stale_form_is_refused(world):
    staff, leader = world.a.users[Role.STAFF], world.a.users[Role.LEADER]
    research = research_start(
        bureau=world.a.bureau, by=staff, topic="烟农用工难", started_on=datetime.date(2026, 3, 1)
    )
    first, second = Client(), Client()
    first.force_login(staff)
    second.force_login(leader)
    url = reverse("research_detail", args=[research.pk])
    seen_by_first = form_data(first.get(url).content.decode(), having={"version": "1"})
    seen_by_second = form_data(second.get(url).content.decode(), having={"version": "1"})

    assert first.post(url, seen_by_first | {"findings": "建议组建专业化服务队"}).status_code == 302
    response = second.post(url, seen_by_second | {"findings": "建议提高补贴"})

    html = response.content.decode()
    assert CONFLICT in html and "建议提高补贴" in html
    research.refresh_from_db()
    assert research.findings == "建议组建专业化服务队" and research.version == 2
