from django.conf import settings
from django.core.paginator import Paginator
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property

# A list counts its rows up to this many (then says "more than"): the count of a page costs the same
# for a county with 100,000 cases as for one with 100. Pages beyond it are reached by narrowing.
COUNT_CAP = 10_000


class BoundedPaginator(Paginator):
    """Counts at most `cap` + 1 rows (a COUNT over a LIMIT): `capped` says there are more."""

    def __init__(self, *args, cap: int = COUNT_CAP, known: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.cap = cap
        self.capped = False
        self.known = known

    @cached_property
    def count(self):
        if self.known is not None:  # counted already with the page's other figures
            self.capped = self.known > self.cap
            return min(self.known, self.cap)
        found = bounded_count(self.object_list, self.cap)
        self.capped = found > self.cap
        return min(found, self.cap)

    def page(self, number):
        """A page far down the list found in two steps: its rows' keys (from the ordering's index,
        skipping the rows before it without reading or joining them), then those rows with what they
        are read with. A direct slice would join every row before the page to skip it."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = self.object_list
        if bottom < DEFERRED_FROM or not _keys_first(rows):
            return super().page(number)
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = list(rows.values_list("pk", flat=True)[bottom:top])
        found = {row.pk: row for row in rows.order_by().filter(pk__in=keys)}
        return self._get_page([found[key] for key in keys if key in found], number, self)


# Pages from this row on are found by their keys first (BoundedPaginator.page).
DEFERRED_FROM = 200


def _keys_first(rows) -> bool:
    """A queryset of model instances whose page can be found by its keys first: ordered, not
    DISTINCT or combined (values() rows have no key to put them back in order by)."""
    query = getattr(rows, "query", None)
    if query is None or not issubclass(getattr(rows, "_iterable_class", object), ModelIterable):
        return False
    return rows.ordered and not query.distinct and not query.combinator


def bounded_count(rows, cap: int | None = None) -> int:
    """How many rows a list has, counted up to its cap + 1 (what paginate's `count` takes): a caller
    whose rows carry per-row figures counts the rows without them, in the same order."""
    cap = cap if cap is not None else getattr(settings, "PAGE_COUNT_CAP", COUNT_CAP)
    return rows[: cap + 1].count() if hasattr(rows, "query") else len(rows)


def paginate(request, queryset, per_page: int | None = None, *, count: int | None = None):
    """A page of the queryset (a bounded COUNT, or the `count` the caller has already made, and one
    slice), and the query string without `page`."""
    paginator = BoundedPaginator(
        queryset,
        per_page or settings.PAGE_SIZE,
        cap=getattr(settings, "PAGE_COUNT_CAP", COUNT_CAP),
        known=count,
    )
    page = paginator.get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return page, params.urlencode()
