from django.conf import settings
from django.utils import timezone

from sanwen.core.access import Cap, has_cap


def navigation(request):
    user = getattr(request, "user", None)
    caps = {c.value: has_cap(user, c.value) for c in Cap} if user is not None else {}
    unread = 0
    if getattr(user, "is_authenticated", False):
        from sanwen.cases.alerts import unread_count
        from sanwen.core.models import Notification

        # Notices from others' steps, and what fell due for me since I last looked (two queries).
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        unread += unread_count(user, today=timezone.localdate())
    return {"caps": caps, "brand": settings.SANWEN_BRAND, "unread_notifications": unread}
