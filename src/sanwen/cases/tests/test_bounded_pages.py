"""The pages everyone opens run the same queries whatever the bureau holds: the bell, the home page,
the case lists and the dashboard, as every role, with a few cases or many (and alerts issued)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanwen.cases.clock import clock_pass
from sanwen.core.access import Role

D = datetime.date
PAGES = [
    reverse("home"),
    reverse("case_list"),
    reverse("case_list") + "?overdue=1",
    reverse("case_list") + "?mode=immediate",
    reverse("my_cases"),
    reverse("notification_list"),
    reverse("dashboard") + "?from=2026-01-01&to=2026-03-31",
]


def queries(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(captured)


@pytest.mark.parametrize("role", [Role.LEADER, Role.DEPT_HEAD, Role.STAFF, Role.INSPECTOR])
def test_pages_run_the_same_queries_with_few_cases_or_many(client, world, assigned, role, settings):
    settings.PAGE_SIZE = 10  # many cases: more than a page
    client.force_login(world.a.users[role])
    assigned("immediate", on=D(2026, 3, 2))
    clock_pass(today=D(2026, 3, 12))
    few = {path: queries(client, path) for path in PAGES}
    for k in range(24):
        assigned("immediate" if k % 2 else "on_site", on=D(2026, 3, 2) + datetime.timedelta(days=k % 5))
    clock_pass(today=D(2026, 3, 13))
    many = {path: queries(client, path) for path in PAGES}
    assert many == few


def test_a_list_counts_its_rows_up_to_a_cap(client, world, assigned, settings):
    settings.PAGE_SIZE, settings.PAGE_COUNT_CAP = 2, 5
    client.force_login(world.a.users[Role.LEADER])
    for _ in range(4):
        assigned("immediate")
    html = client.get(reverse("case_list")).content.decode()
    assert "共 4 条" in html and "超过" not in html
    for _ in range(3):
        assigned("immediate")
    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("case_list")).content.decode()
    assert "超过 5 条" in html and "1 / 3" in html  # the first five rows' pages; narrowing reaches the rest
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"] and "cases_case" in q["sql"]]
    assert counts and all("LIMIT 6" in sql for sql in counts)
