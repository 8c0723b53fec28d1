"""Accounts: everyone changes their own password in the app; a password like the username is
refused; failed logins lock a username from one address only; the messages are in Chinese."""

import pytest
from django.test import Client
from django.urls import reverse

from sanwen.core.access import Role
from sanwen.core.models import AuditEvent
from sanwen.testing import PASSWORD


def _login(client, username, password, address):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_staff_member_changes_their_own_password_from_the_user_menu(client, world):
    staff = world.a.users[Role.STAFF]
    client.force_login(staff)
    home = client.get(reverse("home")).content.decode()
    url = reverse("password_change")
    assert f'href="{url}"' in home and "修改我的密码" in home
    page = client.get(url)
    assert page.status_code == 200 and "旧密码" in page.content.decode()

    response = client.post(
        url, {"old_password": PASSWORD, "new_password1": "Lu-shan-2026!", "new_password2": "Lu-shan-2026!"}
    )

    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.check_password("Lu-shan-2026!")
    assert client.get(reverse("home")).status_code == 200  # still signed in
    assert AuditEvent.objects.filter(
        object_type="org.staff", object_id=str(staff.pk), note="密码已修改。"
    ).exists()


@pytest.mark.parametrize(
    ("new", "message"),
    [
        ("a_staff_2026", "太相似"),  # like the username
        ("abc12", "太短"),
        ("12345678901", "只包含数字"),
    ],
)
def test_a_weak_password_is_refused_with_a_chinese_message(client, world, new, message):
    staff = world.a.users[Role.STAFF]
    client.force_login(staff)
    response = client.post(
        reverse("password_change"), {"old_password": PASSWORD, "new_password1": new, "new_password2": new}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


def test_a_wrong_old_password_is_refused_in_chinese(client, world):
    client.force_login(world.a.users[Role.STAFF])
    response = client.post(
        reverse("password_change"),
        {"old_password": "wrong", "new_password1": "Lu-shan-2026!", "new_password2": "Lu-shan-2026!"},
    )
    assert "旧密码不正确" in response.content.decode()


def test_failed_logins_lock_the_username_from_that_address_only(settings, world):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    admin = world.a.users[Role.ADMIN]
    attacker, office = Client(), Client()
    for _ in range(3):
        _login(attacker, admin.username, "guess", "10.9.9.9")

    locked = _login(attacker, admin.username, PASSWORD, "10.9.9.9")
    assert locked.status_code == 429
    html = locked.content.decode()
    assert "登录已锁定" in html and "分钟后再试" in html

    # The administrator, from their own machine, still logs in; so does anyone else from that address.
    assert _login(office, admin.username, PASSWORD, "10.1.1.1").status_code == 302
    other = world.a.users[Role.STAFF]
    assert _login(Client(), other.username, PASSWORD, "10.9.9.9").status_code == 302
