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
        "/api/keys/",
        {
            "name": "数据中台",
            "caps": [Cap.VIEW_CASES],
            "expires_on": expires.isoformat(),
            "rate_per_minute": 30,
        },
    )
    token = response.context["token"]
    assert token.startswith("sw_")
    key = ApiKey.objects.get()
    assert key.bureau == world.a.bureau and key.caps == [Cap.VIEW_CASES] and key.rate_per_minute == 30
    assert key.digest == hashlib.sha256(token.encode()).hexdigest() and token not in str(key.__dict__)
    event = AuditEvent.objects.get(object_type="api.apikey")
    assert token not in str(event.changes) and key.digest not in str(event.changes)
    assert token not in client.get("/api/keys/").content.decode()  # shown once


def test_only_administrators_make_keys_and_never_with_integrity_caps(client, world):
    client.force_login(world.a.users[Role.LEADER])
    assert client.get("/api/keys/").status_code == 403
    client.force_login(world.a.users[Role.ADMIN])
    expires = (timezone.localdate() + datetime.timedelta(days=30)).isoformat()
    client.post(
        "/api/keys/", {"name": "x", "caps": [Cap.VIEW_INTEGRITY], "expires_on": expires, "rate_per_minute": 1}
    )
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


def test_a_key_is_rate_limited_at_its_own_rate_and_every_use_is_logged(client, world, make_key, monkeypatch):
    # Ten seconds into a minute, all along: the requests cannot straddle two minutes.
    fixed = timezone.now().replace(second=10, microsecond=0)
    monkeypatch.setattr(auth.timezone, "now", lambda: fixed)
    token, key = make_key(Cap.VIEW_CLIENTS, rate=2)
    other, _ = make_key(Cap.VIEW_CLIENTS, rate=2)
    statuses = [client.get("/api/v1/households", **_bearer(token)).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    limited = client.get("/api/v1/households", **_bearer(token))
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert limited.json()["error"]["code"] == "rate_limited"
    # Another key has its own count.
    assert client.get("/api/v1/households", **_bearer(other)).status_code == 200
    assert list(ApiKeyUse.objects.filter(key=key).order_by("id").values_list("status", flat=True)) == [
        200,
        200,
        429,
        429,
    ]


def test_the_administrator_of_another_bureau_cannot_revoke(client, world, make_key):
    _token, key = make_key(Cap.VIEW_CLIENTS)
    client.force_login(world.b.users[Role.ADMIN])
    assert client.post(f"/api/keys/{key.pk}/revoke/").status_code == 404
    key.refresh_from_db()
    assert key.revoked_at is None


def test_a_key_rate_outside_its_bounds_is_refused(world):
    import pytest
    from django.core.exceptions import ValidationError

    from sanwen.api.services import MAX_RATE, api_key_create

    for rate in (0, -5, MAX_RATE + 1, "120"):
        with pytest.raises(ValidationError) as info:
            api_key_create(
                by=world.a.users[Role.ADMIN],
                name="中台",
                caps=[Cap.VIEW_CASES],
                expires_on=timezone.localdate() + datetime.timedelta(days=3),
                rate_per_minute=rate,
            )
        assert "rate_per_minute" in info.value.message_dict
    assert not ApiKey.objects.exists()
