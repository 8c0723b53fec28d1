"""How a logged-in person is loaded on each request: with their bureau joined, since every page
shows it (the navigation) and the access policy reads it; one query instead of two."""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.contrib.auth.backends import ModelBackend

BACKEND = "sanwen.core.auth.StaffBackend"
# The path sessions made before this backend recorded (Django's own backend).
EARLIER = "django.contrib.auth.backends.ModelBackend"


class StaffBackend(ModelBackend):
    """Django's ModelBackend (passwords, permissions, inactive people refused), loading the person
    with their bureau."""

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.select_related("bureau").get(pk=user_id)
        except model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None


class EarlierSessionsMiddleware:
    """Sessions logged in before StaffBackend name Django's ModelBackend, which is no longer listed:
    they are moved to StaffBackend (the same users, passwords and checks) before the person is
    loaded, so that nobody is logged out by the change."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # (Only with a session cookie: reading an empty session would mark every public page as
        # varying by cookie.)
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
            and request.session.get(BACKEND_SESSION_KEY) == EARLIER
        ):
            request.session[BACKEND_SESSION_KEY] = BACKEND
        return self.get_response(request)
