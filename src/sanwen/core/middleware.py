from django.apps import apps
from django.conf import settings
from django.http import JsonResponse
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from sanwen.core.access import BureauNeeded, is_operator, visible
from sanwen.core.params import BadParameter


class ChosenLanguageMiddleware(LocaleMiddleware):
    """Simplified Chinese unless the user chose another language (the language cookie).

    Django's own middleware also follows the browser's Accept-Language, which would show an office
    PC set up in English a different interface from its neighbours'."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = {code for code, _name in settings.LANGUAGES}
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def _has_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in value for value in values) for key, values in params.lists())


class RefuseNulMiddleware:
    """A NUL character in a query or form value is never meant (no one types it) and PostgreSQL
    refuses it in any text it is given: a 400 with a message here, instead of a server error in
    whichever query the value would reach. Form fields refuse it too; this covers every page's filters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API reads its own bodies (JSON, refused there in its error shape): parsing them as a
        # form here would consume the stream the API then reads.
        form_post = request.method == "POST" and not request.path.startswith("/api/")
        if _has_nul(request.GET) or (form_post and _has_nul(request.POST)):
            message = _(
                "The request contains an invisible NUL character, which cannot be used. Nothing was saved."
            )
            if request.path.startswith("/api/"):
                # The API answers every error in its own documented shape (sanwen.api.errors).
                body = {"error": {"code": "bad_request", "message": message, "fields": {}}}
                return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})
            raise BadParameter(message)
        return self.get_response(request)


class ChooseBureauMiddleware:
    """A page that works in one bureau, opened by the platform operator without choosing one
    (access.BureauNeeded): the list of bureaus, each a link to the same page for that bureau."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, BureauNeeded) or not is_operator(request.user):
            return None
        Bureau = apps.get_model("org", "Bureau")
        params = request.GET.copy()
        choices = []
        for bureau in visible(Bureau.objects.select_related("area"), request.user).order_by("path"):
            params["bureau"] = str(bureau.pk)
            choices.append((bureau, f"{request.path}?{params.urlencode()}", bureau.path.count("/") - 2))
        return render(request, "core/choose_bureau.html", {"choices": choices})
