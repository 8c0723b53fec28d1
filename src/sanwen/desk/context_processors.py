from django.conf import settings

from sanwen.cases.alerts import BELL_NOTICES_CAP, unread_count
from sanwen.core.access import Cap, has_cap, visible
from sanwen.core.models import Notification


def navigation(request):
    user = getattr(request, "user", None)
    caps = {c.value: has_cap(user, c.value) for c in Cap} if user is not None else {}
    unread, more = 0, False
    if getattr(user, "is_authenticated", False):
        # The bell on every page costs the same for a province's leader as for a clerk: the count of
        # alerts is one row the clock keeps; the notices from others' steps are counted up to a cap
        # (an index probe of at most BELL_NOTICES_CAP entries). Two queries.
        notices = visible(Notification.objects.filter(read_at__isnull=True), user).order_by()
        notices = notices.values("pk")[:BELL_NOTICES_CAP].count()
        unread = notices + unread_count(user)
        more = notices >= BELL_NOTICES_CAP
    return {
        "caps": caps,
        "brand": settings.SANWEN_BRAND,
        "unread_notifications": unread,
        "unread_notifications_more": more,
    }
