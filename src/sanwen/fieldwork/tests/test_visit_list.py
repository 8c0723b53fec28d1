"""The visit list and the API's visits, filtered by subquery and counted per page, against a
straightforward recount over random visits: the same visits, in the same order, each with its items."""

import datetime
import random

import pytest

from sanwen.cases.models import Case
from sanwen.clients.services import household_create
from sanwen.core.access import Role
from sanwen.fieldwork.models import Visit, VisitHousehold, VisitStaff

D = datetime.date


def _random_visits(world, visit, seed):
    rnd = random.Random(seed)
    a = world.a
    people = [a.users[Role.STAFF], a.users[Role.DEPT_HEAD]]
    households = [a.farmer, a.retailer] + [
        household_create(
            bureau=a.bureau, by=None, kind="farmer", name=f"烟农{i}", township=a.township, village=a.village
        )
        for i in range(3)
    ]
    for _ in range(rnd.randint(8, 14)):
        chosen = rnd.sample(households, rnd.randint(1, 3))
        items = [
            {
                "kind": rnd.choice(["worry", "need", "difficulty"]),
                "household": h,
                "text": "烟叶收购",
                "mode": None,
            }
            for h in chosen
            if rnd.random() < 0.5
        ]
        visit(
            on=D(2026, 3, 1) + datetime.timedelta(days=rnd.randint(0, 9)),
            households=chosen,
            staff=rnd.sample(people, rnd.randint(1, 2)),
            items=items,
            by=a.users[Role.DEPT_HEAD],
        )
    return households, people


def _recount(world, *, household=None, staff=None, start=None, end=None):
    """Visits of bureau a, one by one in Python: (id, number of cases), newest first."""
    rows = []
    for v in Visit.objects.filter(bureau=world.a.bureau):
        if household and not VisitHousehold.objects.filter(visit=v, household=household).exists():
            continue
        if staff and not VisitStaff.objects.filter(visit=v, staff=staff).exists():
            continue
        if (start and v.on < start) or (end and v.on > end):
            continue
        rows.append((v.on, v.pk, Case.objects.filter(visit=v).count()))
    rows.sort(reverse=True)
    return rows


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_visit_list_shows_each_visit_once_with_its_items(client, settings, world, visit, seed):
    settings.PAGE_SIZE = 200
    households, people = _random_visits(world, visit, seed)
    rnd = random.Random(seed)
    me = people[rnd.randrange(2)]
    client.force_login(me)
    target = rnd.choice(households)
    cases = [
        ("", {}),
        ("?mine=1", {"staff": me}),
        (f"?q={target.name}", {"household": target}),
        ("?from=2026-03-03&to=2026-03-07", {"start": D(2026, 3, 3), "end": D(2026, 3, 7)}),
        (
            f"?mine=1&q={target.name}&from=2026-03-02",
            {"staff": me, "household": target, "start": D(2026, 3, 2)},
        ),
    ]
    for query, recount in cases:
        response = client.get(f"/field/visits/{query}")
        assert response.status_code == 200
        shown = [(v.on, v.pk, v.n_cases) for v in response.context["page"]]
        assert shown == _recount(world, **recount), query
    assert any(n for _on, _pk, n in _recount(world)), "the data holds visits with items"
    assert response.context["totals"]["n"] == VisitHousehold.objects.filter(bureau=world.a.bureau).count()


@pytest.mark.parametrize("seed", [4, 5])
def test_the_api_lists_each_visit_once_with_its_cases(client, world, visit, seed):
    households, people = _random_visits(world, visit, seed)
    rnd = random.Random(seed)
    me = people[rnd.randrange(2)]
    client.force_login(me)
    target = rnd.choice(households)
    for query, recount in (
        ("", {}),
        ("?mine=true", {"staff": me}),
        (f"?household={target.pk}", {"household": target}),
        (f"?mine=true&household={target.pk}", {"staff": me, "household": target}),
    ):
        seen, url = [], f"/api/v1/visits{query}{'&' if query else '?'}limit=3"
        while url:
            body = client.get(url).json()
            seen += [(item["id"], len(item["cases"])) for item in body["items"]]
            url = (
                body["next"] and f"/api/v1/visits{query}{'&' if query else '?'}limit=3&cursor={body['next']}"
            )
        expected = sorted(((pk, n) for _on, pk, n in _recount(world, **recount)), reverse=True)
        assert seen == expected, query


def test_the_visit_lists_total_is_read_from_the_day_counts(client, world, visit):
    """The badge's 户次 in all is the bureau's exact total, summed from the per-day counts kept as
    visits are recorded, not a count of every 户次 on every request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _random_visits(world, visit, 7)
    client.force_login(world.a.users[Role.STAFF])
    with CaptureQueriesContext(connection) as captured:
        response = client.get("/field/visits/?mine=1")
    assert response.context["totals"]["n"] == VisitHousehold.objects.filter(bureau=world.a.bureau).count() > 0
    assert not [q["sql"] for q in captured if "COUNT" in q["sql"] and "fieldwork_visithousehold" in q["sql"]]
