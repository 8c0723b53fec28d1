from django.conf import settings

from sanwen.core.permissions import Cap, has_cap


def navigation(request):
    user = getattr(request, "user", None)
    caps = {c.value: has_cap(user, c.value) for c in Cap} if user is not None else {}
    return {"caps": caps, "brand": settings.SANWEN_BRAND}
