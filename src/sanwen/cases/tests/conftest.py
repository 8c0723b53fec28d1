import datetime

import pytest

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.services import case_accept, case_assign, case_register
from sanwen.core.access import Role


@pytest.fixture
def mode(world):
    def get(code, bureau_world=None):
        return HandlingMode.objects.get(campaign=(bureau_world or world.a).campaign, code=code)

    return get


@pytest.fixture
def register(world, mode):
    def make(code="immediate", *, on=datetime.date(2026, 3, 2), by=None, **kwargs):
        a = world.a
        defaults = {
            "description": "订货系统经常登录不上，订不到货",
            "ask_kind": "need",
            "source": "phone",
            "household": a.retailer,
        }
        defaults.update(kwargs)
        return case_register(
            bureau=a.bureau, by=by or a.users[Role.STAFF], mode=mode(code), raised_on=on, **defaults
        )

    return make


@pytest.fixture
def assigned(world, register):
    """A case accepted by the department head and assigned to the staff member."""

    def make(code="immediate", *, on=datetime.date(2026, 3, 2), owner=None, deadline=None, **kwargs):
        a = world.a
        case = register(code, on=on, **kwargs)
        case = case_accept(case=case, by=a.users[Role.DEPT_HEAD], on=on, deadline=deadline)
        return case_assign(case=case, by=a.users[Role.DEPT_HEAD], owner=owner or a.users[Role.STAFF], on=on)

    return make
