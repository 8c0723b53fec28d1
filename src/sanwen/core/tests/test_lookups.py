"""A long `__in` list of integers goes to PostgreSQL as one typed array (core.lookups) and matches the
same rows as Django's IN: duplicates, NULLs, model instances, exclusion, related lookups; short lists,
strings and other databases keep the usual IN."""

import pytest
from django.db import connection

from sanwen.core.access import Role
from sanwen.org.models import Bureau, Staff

MISSING = list(range(10**9, 10**9 + 15))  # ids no row has: the list is long whatever the fixture holds


def _sql(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    return sql


@pytest.mark.parametrize("extra", [[], [None], [None, None]])
def test_a_long_list_matches_what_in_matches(world, extra):
    a, b = world.a.bureau.pk, world.b.bureau.pk
    ids = [a, *MISSING, b, a, *extra]
    assert set(Bureau.objects.filter(pk__in=ids).values_list("pk", flat=True)) == {a, b}
    assert not Bureau.objects.exclude(pk__in=ids).filter(pk__in=[a, b]).exists()
    assert set(Bureau.objects.exclude(pk__in=ids).values_list("pk", flat=True)) == set(
        Bureau.objects.exclude(pk__in=[a, b]).values_list("pk", flat=True)
    )
    staff = set(Staff.objects.filter(bureau_id__in=[a, b]).values_list("pk", flat=True))
    assert staff
    assert set(Staff.objects.filter(bureau_id__in=ids).values_list("pk", flat=True)) == staff
    assert set(Staff.objects.filter(bureau__in=ids).values_list("pk", flat=True)) == staff
    # Values Django prepares (strings of digits) give the same rows as the integers.
    assert (
        set(Staff.objects.filter(bureau_id__in=[str(i) for i in ids if i]).values_list("pk", flat=True))
        == staff
    )
    instances = [world.a.bureau, world.b.bureau, *Bureau.objects.exclude(pk__in=[a, b])[:12]]
    expected = set(Staff.objects.filter(bureau_id__in=[x.pk for x in instances]).values_list("pk", flat=True))
    assert set(Staff.objects.filter(bureau__in=instances).values_list("pk", flat=True)) == expected


def test_the_array_is_typed_as_the_column_on_postgresql_and_in_elsewhere(world):
    ids = [world.a.bureau.pk, *MISSING]
    long_sql = _sql(Staff.objects.filter(bureau_id__in=ids))
    short_sql = _sql(Staff.objects.filter(bureau_id__in=ids[:3]))
    words_sql = _sql(Staff.objects.filter(username__in=[f"user{n}" for n in range(20)]))
    if connection.vendor == "postgresql":
        assert "= ANY(%s::bigint[])" in long_sql
    else:
        assert "ANY(" not in long_sql and " IN (" in long_sql
    assert "ANY(" not in short_sql and "ANY(" not in words_sql
    # Booleans are not integers here: a list of them keeps the usual IN.
    assert "ANY(" not in _sql(Staff.objects.filter(is_active__in=[True, False] * 8))
    assert Staff.objects.filter(username__in=[world.a.users[Role.STAFF].username] + ["x"] * 12).count() == 1
