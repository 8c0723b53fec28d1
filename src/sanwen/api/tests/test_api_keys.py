import datetime
import hashlib

from django.utils import timezone

from sanwen.api import auth
from sanwen.api.models import ApiKey, ApiKeyUse
from sanwen.cases.models import Case
from sanwen.core.access import Cap, Role
from sanwen.core.models import AuditEvent


def _bearer(token):
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_an_administrator_makes_a_key_shown_once_and_stored_hashed(client, world):
    admin = world.a.users[Role.ADMIN]
    client.force_login(admin)
    expires = timezone.localdate() + datetime.timedelta(days=30)
    response = client.post(
        "/api/keys/", {"name": "数据中台", "caps": [Cap.VIEW_CASES], "expires_on": expires.isoformat()}
    )
    token = response.context["token"]
    assert token.startswith("sw_")
    key = ApiKey.objects.get()
    assert key.bureau == world.a.bureau and key.caps == [Cap.VIEW_CASES]
    assert key.digest == hashlib.sha256(token.encode()).hexdigest() and token not in str(key.__dict__)
    event = AuditEvent.objects.get(object_type="api.apikey")
    assert token not in str(event.changes) and key.digest not in str(event.changes)
    assert token not in client.get("/api/keys/").content.decode()  # shown once


def test_only_administrators_make_keys_and_never_with_integrity_caps(client, world):
    client.force_login(world.a.users[Role.LEADER])
    assert client.get("/api/keys/").status_code == 403
    client.force_login(world.a.users[Role.ADMIN])
    expires = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    client.post("/api/keys/", {"name": "x", "caps": [Cap.VIEW_INTEGRITY], "expires_on": expires})
    assert not ApiKey.objects.exists()


def test_a_key_reads_its_bureau_with_its_capabilities_only(client, world, make_key, register):
    ours, theirs = register(), register(bw=world.b)
    token, key = make_key(Cap.VIEW_CASES)
    body = client.get("/api/v1/cases", **_bearer(token)).json()
    assert [c["id"] for c in body["items"]] == [ours.pk]
    assert client.get(f"/api/v1/cases/{theirs.pk}", **_bearer(token)).status_code == 404
    # Not chosen for this key: the households.
    forbidden = client.get("/api/v1/households", **_bearer(token))
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "forbidden"


def test_a_key_does_not_write(client, world, make_key, register):
    case = register()
    token, _key = make_key(Cap.VIEW_CASES, Cap.HANDLE_CASES, Cap.DISPATCH_CASES)
    response = client.post(
        f"/api/v1/cases/{case.pk}/accept",
        {"version": case.version},
        content_type="application/json",
        **_bearer(token),
    )
    assert response.status_code == 403
    assert Case.objects.get(pk=case.pk).state == "registered"


def test_a_key_sees_no_confidential_raiser_without_the_capability(client, world, make_key, register):
    case = register(confidential=True)
    token, _key = make_key(Cap.VIEW_CASES)
    assert client.get(f"/api/v1/cases/{case.pk}", **_bearer(token)).json()["household_id"] is None


def test_every_use_is_recorded(client, world, make_key):
    token, key = make_key(Cap.VIEW_CLIENTS)
    client.get("/api/v1/households", **_bearer(token))
    client.get("/api/v1/cases", **_bearer(token))
    key.refresh_from_db()
    assert key.uses == 2 and key.last_used_at is not None
    assert list(ApiKeyUse.objects.order_by("id").values_list("path", "status")) == [
        ("/api/v1/households", 200),
        ("/api/v1/cases", 403),
    ]


def test_revoked_expired_and_wrong_keys_are_refused(client, world, make_key):
    token, key = make_key(Cap.VIEW_CLIENTS)
    assert client.get("/api/v1/households", **_bearer(token + "x")).status_code == 401
    assert client.get("/api/v1/households", **_bearer("sw_nothing_here")).status_code == 401
    client.force_login(world.a.users[Role.ADMIN])
    client.post(f"/api/keys/{key.pk}/revoke/")
    client.logout()
    response = client.get("/api/v1/households", **_bearer(token))
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorised"
    assert response.json()["error"]["message"] == "请登录，或提供有效的接口密钥。"
    old, _ = make_key(Cap.VIEW_CLIENTS, expires=timezone.now() - datetime.timedelta(seconds=1))
    assert client.get("/api/v1/households", **_bearer(old)).status_code == 401


def test_a_key_is_rate_limited(client, world, make_key, monkeypatch):
    monkeypatch.setattr(auth, "KEY_RATE_PER_MINUTE", 2)
    token, _key = make_key(Cap.VIEW_CLIENTS)
    statuses = [client.get("/api/v1/households", **_bearer(token)).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200] and statuses[2] == 429


def test_the_administrator_of_another_bureau_cannot_revoke(client, world, make_key):
    _token, key = make_key(Cap.VIEW_CLIENTS)
    client.force_login(world.b.users[Role.ADMIN])
    assert client.post(f"/api/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None
