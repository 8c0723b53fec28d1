import functools

from django.conf import settings
from django.db import connection
from django.utils.functional import SimpleLazyObject

from sanwen.cases.alerts import BELL_NOTICES_CAP
from sanwen.cases.models import Bell
from sanwen.core.access import Cap, has_cap, personal_column
from sanwen.core.links import LINKS
from sanwen.core.models import Notification


def bell(user) -> tuple[int, int]:
    """(alerts, notices) unread by `user`, in one statement: the bell row the clock keeps, and the
    notices from others' steps counted up to BELL_NOTICES_CAP (an index probe of at most that many
    entries). Both are rows each person reads only their own of: the access policy names the column
    that says whose a row is (personal_column, the same rule visible() applies), and the statement is
    written once per process rather than built by the ORM on every page (half the bell's time)."""
    alerts_column = personal_column(Bell, user)
    notices_column = personal_column(Notification, user)
    if alerts_column is None or notices_column is None:  # the policy lets this person read neither
        return 0, 0
    with connection.cursor() as cursor:
        sql = _bell_sql(connection.vendor, alerts_column, notices_column, BELL_NOTICES_CAP)
        cursor.execute(sql, (user.pk, user.pk))
        alerts, counted = cursor.fetchone()
    return alerts or 0, counted


@functools.lru_cache(maxsize=8)
def _bell_sql(vendor: str, alerts_column: str, notices_column: str, cap: int) -> str:
    quote = connection.ops.quote_name
    unread = Bell._meta.get_field("unread").column
    read_at = Notification._meta.get_field("read_at").column
    return (
        f"SELECT (SELECT {quote(unread)} FROM {quote(Bell._meta.db_table)} "  # noqa: S608 - our names
        f"WHERE {quote(alerts_column)} = %s LIMIT 1), "
        f"(SELECT COUNT(*) FROM (SELECT 1 AS one FROM {quote(Notification._meta.db_table)} "
        f"WHERE {quote(notices_column)} = %s AND {quote(read_at)} IS NULL LIMIT {int(cap)}) n)"
    )


CAP_NAMES = frozenset(c.value for c in Cap)


class Caps(dict):
    """The templates' `caps`: `{% if caps.view_cases %}`, each capability asked of the policy when a
    page first reads it. A page that reads none (the public portal) does not load the person."""

    def __init__(self, user):
        super().__init__()
        self.user = user

    def __missing__(self, cap: str) -> bool:
        if cap not in CAP_NAMES:
            raise KeyError(cap)
        allowed = self[cap] = self.user is not None and has_cap(self.user, cap)
        return allowed


def navigation(request):
    user = getattr(request, "user", None)
    # The bell costs the same for a province's leader as for a clerk: one statement, sent when the
    # page shows the bell (its count is read as it is rendered): the portal's pages and the fragments
    # a page loads (the dashboard's figures, a household search) show none and ask nothing.
    counts = SimpleLazyObject(lambda: _counts(user))
    return {
        "caps": Caps(user),
        "links": LINKS,  # the navigation's links, reversed once per process
        "brand": settings.SANWEN_BRAND,
        "unread_notifications": SimpleLazyObject(lambda: counts[0]),
        "unread_notifications_more": SimpleLazyObject(lambda: counts[1]),
    }


def _counts(user) -> tuple[int, bool]:
    """(unread, more): what the bell shows — alerts and notices together, and whether the notices
    reached the cap."""
    if not getattr(user, "is_authenticated", False):
        return 0, False
    alerts, notices = bell(user)
    return alerts + notices, notices >= BELL_NOTICES_CAP
