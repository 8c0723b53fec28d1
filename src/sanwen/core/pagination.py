from django.conf import settings
from django.core.paginator import Paginator
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
        rows = self.object_list
        found = rows[: self.cap + 1].count() if hasattr(rows, "query") else len(rows)
        self.capped = found > self.cap
        return min(found, self.cap)


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
