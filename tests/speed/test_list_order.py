"""A page of a list is read in its order from an index: the database never sorts a bureau's whole
table to show 50 rows (EXPLAIN on SQLite and PostgreSQL)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanwen.cases.models import OPEN_STATES, Case, State
from sanwen.cases.views import FILTERS
from sanwen.clients.models import Household
from sanwen.core.access import Role, visible
from sanwen.core.pagination import BoundedPaginator
from sanwen.fieldwork.models import Visit


def plan(qs) -> str:
    return explain(*qs.query.sql_with_params())


def explain(sql, params=(), *, seqscan=True) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The test tables are tiny, where a sort is cheapest: forbid sorting, so that a plan
            # without one exists only if an index gives the order.
            cursor.execute("SET LOCAL enable_sort = off")
            cursor.execute("SET LOCAL enable_incremental_sort = off")
            if not seqscan:  # tiny tables: make the planner show the index it would use at volume
                cursor.execute("SET LOCAL enable_seqscan = off")
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
    "case list, by mode": lambda user: FILTERS["mode"](visible(Case.objects.all(), user), "on_site", user),
    "case list, by state": lambda user: visible(Case.objects.all(), user).filter(state="in_progress"),
    # my cases: a person's open cases, the most urgent first
    "my cases": lambda user: (
        visible(Case.objects.all(), user)
        .filter(owner=user, state__in=OPEN_STATES)
        .order_by("deadline", "raised_on")
    ),
    # the public board (公开办), as portal.views builds it
    "public board": lambda user: (
        Case.objects.filter(bureau=user.bureau, public=True)
        .exclude(state__in=[State.DECLINED, State.MERGED])
        .order_by("-raised_on", "-id")
    ),
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


def count_sql(qs) -> str:
    """The bounded count a list page runs (core.pagination), as it was sent."""
    with CaptureQueriesContext(connection) as captured:
        assert BoundedPaginator(qs, 25).count >= 0
    return captured.captured_queries[-1]["sql"]


# The case list's filters as cases.views applies them, and the index each is counted from.
FILTERED = {
    "overdue": (lambda qs, user: qs.overdue(on=datetime.date(2026, 3, 11)), "case_list_order"),
    "by mode": (lambda qs, user: FILTERS["mode"](qs, "on_site", user), "case_mode_order"),
    "by state": (lambda qs, user: FILTERS["state"](qs, "in_progress", user), "case_list_order"),
    "by kind": (lambda qs, user: FILTERS["ask_kind"](qs, "suggestion", user), "case_list_order"),
    "by source": (lambda qs, user: FILTERS["source"](qs, "visit", user), "case_list_order"),
    "by township": (lambda qs, user: FILTERS["township"](qs, "1", user), "case_list_order"),
}


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite names an index-only scan; see below")
@pytest.mark.parametrize("name", list(FILTERED))
def test_a_filtered_case_list_is_counted_from_the_index_alone(world, name):
    """A filter the case list offers is tested on the list's index, not on each row read from the
    table: a county's bounded count of 10,000 overdue cases reads index entries only."""
    user = world.a.users[Role.LEADER]
    apply, index = FILTERED[name]
    text = explain(count_sql(apply(visible(Case.objects.all(), user), user)))
    assert f"COVERING INDEX {index}" in text, text
    assert not sorts(text), text


@pytest.mark.parametrize("name", list(FILTERED))
def test_a_filtered_count_is_not_sorted(world, name):
    user = world.a.users[Role.LEADER]
    apply, _index = FILTERED[name]
    for text in (
        plan(apply(visible(Case.objects.all(), user), user)[:25]),
        explain(count_sql(apply(visible(Case.objects.all(), user), user))),
    ):
        assert not sorts(text), text


def test_the_public_board_reads_only_public_cases(world):
    """The board and its count read an index of the public cases alone, not every case of the bureau
    to find the one in ten that is public."""
    qs = (
        Case.objects.filter(bureau=world.a.bureau, public=True)
        .exclude(state__in=[State.DECLINED, State.MERGED])
        .order_by("-raised_on", "-id")
    )
    for text in (
        explain(*qs[:20].query.sql_with_params(), seqscan=False),
        explain(count_sql(qs), seqscan=False),
    ):
        assert "case_public_board" in text, text
        assert not sorts(text), text


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's bureau index holds the rowid already")
@pytest.mark.parametrize("role", [Role.LEADER, Role.STAFF])
def test_the_apis_case_pages_read_the_bureaus_cases_by_id(world, role):
    """Newest id first within the bureau, from a (bureau, id) index: not every bureau's cases walked
    by id until 50 of one's own turn up (a bureau with few cases in a province of 500,000)."""
    qs = visible(Case.objects.all(), world.a.users[role]).order_by("-pk")[:51]
    text = explain(*qs.query.sql_with_params(), seqscan=False)
    assert "case_api_order" in text, text
