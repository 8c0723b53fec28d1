from django.conf import settings
from django.core.exceptions import EmptyResultSet
from django.db import connection

from sanwen.cases.alerts import BELL_NOTICES_CAP, unread_rows
from sanwen.core.access import Cap, has_cap, visible
from sanwen.core.links import LINKS
from sanwen.core.models import Notification


def bell(user) -> tuple[int, int]:
    """(alerts, notices) unread by `user`, in one statement: the bell row the clock keeps, and the
    notices from others' steps counted up to BELL_NOTICES_CAP (an index probe of at most that many
    entries). Both queries are the access policy's (`visible`); they are only sent together."""
    notices = visible(Notification.objects.filter(read_at__isnull=True), user).order_by()
    try:
        notices_sql, notices_params = notices.values("pk")[:BELL_NOTICES_CAP].query.sql_with_params()
    except EmptyResultSet:  # the policy lets this person read none
        notices_sql, notices_params = "SELECT 1 WHERE 1 = 0", ()
    try:
        alerts_sql, alerts_params = unread_rows(user).query.sql_with_params()
    except EmptyResultSet:
        alerts_sql, alerts_params = "SELECT 0", ()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ({alerts_sql}), (SELECT COUNT(*) FROM ({notices_sql}) n)",  # noqa: S608 - the ORM's SQL
            (*alerts_params, *notices_params),
        )
        alerts, counted = cursor.fetchone()
    return alerts or 0, counted


def navigation(request):
    user = getattr(request, "user", None)
    caps = {c.value: has_cap(user, c.value) for c in Cap} if user is not None else {}
    unread, more = 0, False
    if getattr(user, "is_authenticated", False):
        # The bell on every page costs the same for a province's leader as for a clerk: one statement.
        alerts, notices = bell(user)
        unread = notices + alerts
        more = notices >= BELL_NOTICES_CAP
    return {
        "caps": caps,
        "links": LINKS,  # the navigation's links, reversed once per process
        "brand": settings.SANWEN_BRAND,
        "unread_notifications": unread,
        "unread_notifications_more": more,
    }
