from django.conf import settings
from django.utils import timezone

from sanwen.cases.alerts import unread_count
from sanwen.core.access import Cap, has_cap, visible
from sanwen.core.models import Notification


def navigation(request):
    user = getattr(request, "user", None)
    caps = {c.value: has_cap(user, c.value) for c in Cap} if user is not None else {}
    unread = 0
    if getattr(user, "is_authenticated", False):
        # Notices from others' steps, and what fell due for me since I last looked (two queries).
        unread = visible(Notification.objects.filter(read_at__isnull=True), user).count()
        unread += unread_count(user, today=timezone.localdate())
    return {"caps": caps, "brand": settings.SANWEN_BRAND, "unread_notifications": unread}
