"""A page far down a list, found by its rows' keys first, holds the same rows in the same order as a
direct slice of the list, with what they are read with; for any page, size and ordering."""

import datetime
import random

from django.db.models import Count

from sanwen.cases.models import Case
from sanwen.core import pagination
from sanwen.core.pagination import BoundedPaginator
from sanwen.reports.tests.test_stats import a_case


def test_deep_pages_found_by_their_keys_equal_a_direct_slice(
    world, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(pagination, "DEFERRED_FROM", 3)  # a few rows stand in for thousands
    rng = random.Random(3)
    for i in range(23):
        a_case(
            world,
            raised=datetime.date(2026, 1, 1) + datetime.timedelta(days=rng.randrange(5)),
            title=f"事项{i}",
        )
    orderings = [("-raised_on", "-pk"), ("raised_on", "title", "pk"), ("mode__order", "-pk")]
    for ordering in orderings:
        rows = (
            Case.objects.select_related("mode", "owner")
            .annotate(n_events=Count("events"))
            .order_by(*ordering)
        )
        expected = list(rows.values_list("pk", "n_events"))
        for per_page in (1, 4, 7):
            paginator = BoundedPaginator(rows, per_page, orphans=rng.choice([0, 1]))
            seen = []
            for number in paginator.page_range:
                with django_assert_max_num_queries(3):
                    page = paginator.page(number)
                    shown = [(case.pk, case.n_events, case.mode.code) for case in page]
                seen += [(pk, n) for pk, n, _code in shown]
            assert seen == expected, (ordering, per_page)
    # Lists it cannot find that way (DISTINCT, rows as values) are sliced as before.
    values = Case.objects.order_by("-pk").values("pk", "title")
    page = BoundedPaginator(values, 5).page(2)
    assert list(page) == list(values[5:10])
    distinct = Case.objects.order_by("-pk").distinct()
    page = BoundedPaginator(distinct, 5).page(2)
    assert [c.pk for c in page] == list(distinct.values_list("pk", flat=True)[5:10])
