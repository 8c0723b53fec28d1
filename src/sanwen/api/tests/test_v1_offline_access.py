"""The phone's own household set follows the access policy: only the person's contact points'
villages and their own visits, numbers masked."""

import datetime

from django.utils import timezone

from sanwen.core.access import Role
from sanwen.fieldwork.services import visit_record


def test_the_phone_set_of_another_department_holds_only_its_own_contact_points_and_visits(client, world):
    """A staff member of another department (no contact point in the village, no visit) gets none of
    its households; a colleague's visit they were not on brings none; an ended contact point none."""
    from sanwen.org.models import ContactPoint
    from sanwen.org.services import department_create, staff_create
    from sanwen.testing import PASSWORD, ROLE_RANKS

    a = world.a
    department = department_create(bureau=a.bureau, name="专卖管理科", kind="monopoly")
    other = staff_create(
        bureau=a.bureau,
        department=department,
        username="a_monopoly",
        name="专卖员",
        password=PASSWORD,
        role=Role.STAFF,
        rank=ROLE_RANKS[Role.STAFF],
    )
    visit_record(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        on=timezone.localdate(),
        diary="走访",
        households=[a.retailer],
    )
    client.force_login(other)
    body = client.get("/api/v1/offline/households").json()
    assert body["items"] == [] and body["count"] == 0

    # Their own visit brings that household, masked; nobody else's.
    visit_record(bureau=a.bureau, by=other, on=timezone.localdate(), diary="检查", households=[a.retailer])
    body = client.get("/api/v1/offline/households").json()
    assert [h["id"] for h in body["items"]] == [a.retailer.pk]
    assert a.retailer.phone not in str(body) and a.retailer.licences.get().number not in str(body)

    # The village's own staff member loses it when their contact point ends.
    ContactPoint.objects.filter(staff=a.users[Role.STAFF]).update(
        until=timezone.localdate() - datetime.timedelta(days=1)
    )
    client.force_login(a.users[Role.STAFF])
    ids = {h["id"] for h in client.get("/api/v1/offline/households").json()["items"]}
    assert a.farmer.pk not in ids and a.retailer.pk in ids  # the retailer: their own visit today
