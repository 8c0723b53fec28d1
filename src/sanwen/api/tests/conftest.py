import datetime

import pytest

from sanwen.api.auth import new_token
from sanwen.api.models import ApiKey
from sanwen.campaigns.models import HandlingMode
from sanwen.cases.services import case_register
from sanwen.core.access import Role


@pytest.fixture
def register(world):
    def make(code="immediate", *, on=datetime.date(2026, 3, 2), by=None, bw=None, **kwargs):
        bw = bw or world.a
        defaults = {
            "description": "订货系统经常登录不上，订不到货",
            "ask_kind": "need",
            "source": "phone",
            "household": bw.retailer,
        }
        defaults.update(kwargs)
        mode = HandlingMode.objects.get(campaign=bw.campaign, code=code)
        return case_register(
            bureau=bw.bureau, by=by or bw.users[Role.STAFF], mode=mode, raised_on=on, **defaults
        )

    return make


@pytest.fixture
def make_key(world):
    """An API key of bureau a (or another) with the given capabilities; returns (token, key)."""

    def make(*caps, bureau=None, expires=None, by=None, acts_for=None, rate=120):
        token, prefix, digest = new_token()
        key = ApiKey.objects.create(
            bureau=bureau or world.a.bureau,
            name="集成",
            prefix=prefix,
            digest=digest,
            caps=list(caps),
            expires_at=expires or datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC),
            created_by=by or world.a.users[Role.ADMIN],
            acts_for=acts_for,
            rate_per_minute=rate,
        )
        return token, key

    return make
