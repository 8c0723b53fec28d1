"""A page of a list is read in its order from an index: the database never sorts a bureau's whole
table to show 50 rows (EXPLAIN on SQLite and PostgreSQL)."""

import datetime

import pytest
from django.db import connection

from sanwen.cases.models import Case
from sanwen.clients.models import Household
from sanwen.core.access import Role, visible
from sanwen.fieldwork.models import Visit


def plan(qs) -> str:
    sql, params = qs.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test tables are tiny, where a sort is cheapest: forbid sorting, so that a plan
            # without one exists only if an index gives the order.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())


def sorts(text: str) -> bool:
    return "TEMP B-TREE FOR ORDER BY" in text or "Sort" in text


LISTS = {
    # the case list (and its filters), as cases.views builds it
    "case list": lambda user: visible(Case.objects.all(), user),
    "case list, overdue": lambda user: visible(Case.objects.all(), user).overdue(
        on=datetime.date(2026, 3, 11)
    ),
    "case list, by mode": lambda user: visible(Case.objects.all(), user).filter(mode__code="on_site"),
    "case list, by state": lambda user: visible(Case.objects.all(), user).filter(state="in_progress"),
    # the API's cursor pages: newest first by id
    "API cases": lambda user: visible(Case.objects.all(), user).order_by("-pk"),
    "API households": lambda user: visible(Household.objects.all(), user).order_by("-pk"),
    "API visits": lambda user: visible(Visit.objects.all(), user).order_by("-pk"),
    # /api/clients and the household list: by place and name
    "households": lambda user: visible(Household.objects.select_related("township", "village"), user),
    "visits": lambda user: visible(Visit.objects.all(), user).order_by("-on", "-id"),
}


@pytest.mark.parametrize("name", list(LISTS))
@pytest.mark.parametrize("role", [Role.LEADER, Role.STAFF])
def test_a_page_of_a_list_is_read_from_an_index(world, name, role):
    qs = LISTS[name](world.a.users[role])[:50]
    text = plan(qs)
    assert not sorts(text), f"{name}: the page is sorted\n{text}"


def test_the_check_sees_a_sort_where_no_index_gives_the_order(world):
    """The check itself: ordering by an unindexed column is a sort."""
    qs = visible(Case.objects.all(), world.a.users[Role.LEADER]).order_by("title")[:50]
    assert sorts(plan(qs))
