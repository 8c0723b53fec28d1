from django.conf import settings

from sanwen.core.permissions import Cap, has_cap


def navigation(request):
    user = getattr(request, "user", None)
    caps = {c.value: has_cap(user, c.value) for c in Cap} if user is not None else {}
    unread = 0
    if getattr(user, "is_authenticated", False):
        from sanwen.cases.models import Alert
        from sanwen.core.models import Notification

        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
        alerts = Alert.objects.for_user(user)
        if user.alerts_read_at:
            alerts = alerts.filter(created_at__gt=user.alerts_read_at)
        unread += alerts.count()
    return {"caps": caps, "brand": settings.SANWEN_BRAND, "unread_notifications": unread}
