"""The admin's staff page: two administrators open the same person, both save; the second is refused
with the conflict message, keeps their entry, and the database holds the first one's values."""

from django.test import Client
from django.urls import reverse

from sanwen.core.access import Role
from sanwen.core.testing_forms import form_data

CONFLICT = "其他人已修改了此记录"


def test_a_second_save_of_a_stale_staff_form_is_refused(world):
    person = world.a.users[Role.STAFF]
    first, second = Client(), Client()
    first.force_login(world.a.users[Role.ADMIN])
    second.force_login(world.operator)
    url = reverse("admin:org_staff_change", args=[person.pk])
    seen_by_first = form_data(first.get(url).content.decode(), form_id="staff_form")
    seen_by_second = form_data(second.get(url).content.decode(), form_id="staff_form")
    assert seen_by_first["version"] == "1"

    assert first.post(url, seen_by_first | {"title": "站长"}).status_code == 302
    response = second.post(url, seen_by_second | {"title": "客户经理", "phone": "13700001111"})

    assert response.status_code == 200
    html = response.content.decode()
    assert CONFLICT in html and "客户经理" in html
    person.refresh_from_db()
    assert person.title == "站长" and person.phone == "" and person.version == 2
    # Having checked, the second administrator may save again on purpose.
    again = form_data(html, form_id="staff_form")
    assert again["version"] == "2"
    assert second.post(url, again).status_code == 302
    person.refresh_from_db()
    assert person.title == "客户经理" and person.version == 3
