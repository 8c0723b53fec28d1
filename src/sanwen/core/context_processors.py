from django.conf import settings

from sanwen.core.permissions import Cap, has_cap


def navigation(request):
    user = getattr(request, "user", None)
    caps = {c.value: has_cap(user, c.value) for c in Cap} if user is not None else {}
    unread = 0
    if getattr(user, "is_authenticated", False):
        from sanwen.core.models import Notification

        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    return {"caps": caps, "brand": settings.SANWEN_BRAND, "unread_notifications": unread}
