"""The notifications page: the latest alerts of the last 30 days first, chosen in the database."""

import datetime

from django.urls import reverse
from django.utils import timezone

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.alerts import due_for
from sanwen.cases.services import case_accept, case_assign, case_register
from sanwen.core.access import Role
from sanwen.desk import views


def test_the_latest_alerts_are_listed_first_up_to_the_limit(client, world, monkeypatch):
    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    today = timezone.localdate()
    mode = HandlingMode.objects.get(campaign=a.campaign, code="immediate")
    for k in range(6):
        on = today - datetime.timedelta(days=3 * k + 3)
        case = case_register(
            bureau=a.bureau,
            by=staff,
            mode=mode,
            raised_on=on,
            description=f"事项{k}",
            ask_kind="need",
            source="phone",
            household=a.retailer,
        )
        case = case_accept(case=case, by=head, on=on)
        case_assign(case=case, by=head, owner=staff, on=on)
    everything = sorted(
        (row["alert_due"] for row in due_for(staff, today=today, since=today - datetime.timedelta(days=30))),
        reverse=True,
    )
    assert len(everything) > 3
    monkeypatch.setattr(views, "ALERTS_SHOWN", 3)
    client.force_login(staff)
    alerts = client.get(reverse("notification_list")).context["alerts"]
    assert [alert["due"] for alert in alerts] == everything[:3]
