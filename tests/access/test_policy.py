"""The access policy decides for every kind of record: each model of the platform either has a rule
(or a bureau to scope by) or is a bookkeeping table that no page reads, and no rule ever lets a user
of one bureau read another bureau's rows."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from sanwen.core.access import Role, visible

PROJECT = {
    "core",
    "org",
    "campaigns",
    "clients",
    "cases",
    "fieldwork",
    "accountability",
    "reports",
    "portal",
    "desk",
}
# Counters and logs kept for the platform's own work; read by no page, so the policy refuses them.
BOOKKEEPING = {
    "core.ratecounter",
    "cases.casecounter",
    "cases.clockrun",
    "cases.alertmail",
    "fieldwork.quotastamp",
}


def models():
    return [m for m in apps.get_models() if m._meta.app_label in PROJECT]


def bureau_of(row):
    for path in (
        "bureau_id",
        "case.bureau_id",
        "visit.bureau_id",
        "report.bureau_id",
        "leave.bureau_id",
        "campaign.bureau_id",
        "assessment.bureau_id",
        "recipient.bureau_id",
    ):
        value = row
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                break
        if value is not None:
            return value
    return None


def test_every_kind_of_record_has_a_decision(world):
    undecided = []
    for model in models():
        label = model._meta.label_lower
        try:
            visible(model.objects.all(), world.a.users[Role.STAFF]).count()
        except ImproperlyConfigured:
            if label not in BOOKKEEPING:
                undecided.append(label)
    assert undecided == [], f"no access rule for {undecided}: add one to sanwen.core.access"


@pytest.mark.parametrize("role", list(Role))
def test_no_rule_reads_across_bureaus(world, role):
    user = world.a.users[role]
    for model in models():
        if model._meta.label_lower in BOOKKEEPING:
            continue
        if model._meta.label_lower in ("org.place", "core.calendarday", "core.calendaryear", "org.bureau"):
            continue  # shared reference data; bureaus: one's own and its children
        for row in visible(model.objects.all(), user)[:200]:
            owner = bureau_of(row)
            assert owner in (None, world.a.bureau.pk), (model._meta.label_lower, row.pk, role)


def test_anonymous_visitors_read_nothing_through_the_policy(world):
    from django.contrib.auth.models import AnonymousUser

    for model in models():
        if model._meta.label_lower in BOOKKEEPING:
            continue
        assert not visible(model.objects.all(), AnonymousUser()).exists(), model._meta.label_lower
