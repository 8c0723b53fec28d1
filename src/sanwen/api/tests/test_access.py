"""The API's own tables have decisions in the access policy, and a key's service identity reads
nothing of another bureau and nothing of the integrity register."""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured

from sanwen.api.auth import KeyIdentity
from sanwen.core.access import SERVICE_CAPS, Cap, Role, has_cap, visible


def test_the_api_tables_have_decisions(world, make_key):
    _token, key = make_key(Cap.VIEW_CLIENTS)
    admin, staff = world.a.users[Role.ADMIN], world.a.users[Role.STAFF]
    assert list(visible(apps.get_model("api", "ApiKey").objects.all(), admin)) == [key]
    assert not visible(apps.get_model("api", "ApiKey").objects.all(), staff).exists()
    assert not visible(apps.get_model("api", "ApiKey").objects.all(), world.b.users[Role.ADMIN]).exists()
    visible(apps.get_model("api", "ApiKeyUse").objects.all(), admin).count()
    with pytest.raises(ImproperlyConfigured):
        visible(apps.get_model("api", "ClientSubmission").objects.all(), admin)


def test_a_key_with_every_capability_reads_only_its_bureau(world, make_key, register):
    register()
    register(bw=world.b)
    _token, key = make_key(*SERVICE_CAPS)
    identity = KeyIdentity(key=key, caps=frozenset(key.caps))
    assert not has_cap(identity, Cap.VIEW_INTEGRITY) and not has_cap(identity, Cap.ADMINISTER)
    for model in apps.get_models():
        if model._meta.app_label not in {
            "org",
            "clients",
            "cases",
            "fieldwork",
            "accountability",
            "campaigns",
        }:
            continue
        try:
            rows = list(visible(model.objects.all(), identity)[:100])
        except ImproperlyConfigured:
            continue  # bookkeeping
        for row in rows:
            bureau_id = getattr(row, "bureau_id", None)
            if model._meta.label_lower == "org.bureau":
                assert row.path.startswith(world.a.bureau.path)
            elif bureau_id is not None:
                assert bureau_id == world.a.bureau.pk, model._meta.label_lower
    reports = apps.get_model("accountability", "ViolationReport").objects.all()
    assert visible(reports, identity).query is not None and not visible(reports, identity).exists()
