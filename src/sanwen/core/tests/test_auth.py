"""The person is loaded with their bureau (one query on every page, not two); sessions logged in
before that backend keep working."""

from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client

from sanwen.core.access import Role
from sanwen.core.auth import BACKEND, EARLIER


def test_a_page_loads_the_person_with_their_bureau_in_one_query(world, client, django_assert_num_queries):
    from django.contrib.auth import get_user
    from django.test import RequestFactory

    staff = world.a.users[Role.STAFF]
    client.force_login(staff)
    request = RequestFactory().get("/")
    request.session = client.session
    assert request.session[BACKEND_SESSION_KEY] == BACKEND
    with django_assert_num_queries(1):
        user = get_user(request)
        assert (user.pk, user.bureau.short_name) == (staff.pk, world.a.bureau.short_name)


def test_a_session_from_before_the_backend_stays_logged_in_and_is_moved_to_it(world):
    staff = world.a.users[Role.STAFF]
    earlier = SessionStore()
    earlier[SESSION_KEY] = str(staff.pk)
    earlier[BACKEND_SESSION_KEY] = EARLIER
    earlier[HASH_SESSION_KEY] = staff.get_session_auth_hash()
    earlier.create()
    client = Client()
    client.cookies["sessionid"] = earlier.session_key
    page = client.get("/")
    assert page.status_code == 200 and staff.name in page.content.decode()
    assert SessionStore(session_key=earlier.session_key).load()[BACKEND_SESSION_KEY] == BACKEND
    # A session of someone else, or one whose password changed since, is refused as before.
    forged = SessionStore()
    forged[SESSION_KEY] = str(staff.pk)
    forged[BACKEND_SESSION_KEY] = EARLIER
    forged[HASH_SESSION_KEY] = "0" * 64
    forged.create()
    client = Client()
    client.cookies["sessionid"] = forged.session_key
    assert client.get("/").status_code == 302
