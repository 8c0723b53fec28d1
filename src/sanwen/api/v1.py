"""Version 1 of the API at /api/v1/ (OpenAPI 3 at /api/v1/openapi.json, documentation at
/api/v1/docs for logged-in users). Every read goes through the access policy; every write through
the services the pages call. Authentication: the browser session (a person) or an API key
(`Authorization: Bearer sw_…`, a service identity of its bureau that reads with the key's
capabilities; a key made to act for a staff member writes as that person, within what both may
do, so the audit trail and the case's timeline name them). Every request made with a key is
recorded; a key may make the requests a minute its administrator chose (120 by default; over it: 429
with Retry-After). Errors: {"error": {"code", "message", "fields"}}."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from ninja import NinjaAPI

from sanwen.api import errors
from sanwen.api.auth import KeyAuth, StaffSession, record_use
from sanwen.api.docs import StaticSwagger
from sanwen.api.v1_batches import router as batches_router
from sanwen.api.v1_cases import router as cases_router
from sanwen.api.v1_clients import router as clients_router
from sanwen.api.v1_fieldwork import router as fieldwork_router
from sanwen.api.v1_figures import router as figures_router

DESCRIPTION = __doc__

api_v1 = NinjaAPI(
    title="Sanwen API",
    version="1.0",
    description=DESCRIPTION,
    auth=[KeyAuth(), StaffSession()],
    urls_namespace="api-v1",
    docs=StaticSwagger(),
)
errors.install(api_v1)
api_v1.add_router("", cases_router)
api_v1.add_router("", batches_router)
api_v1.add_router("", fieldwork_router)
api_v1.add_router("", clients_router)
api_v1.add_router("", figures_router)


def _logged(view):
    """Every request made with an API key is recorded (last use, count and a log row)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        key = getattr(request, "api_key", None)
        if key is not None:
            record_use(key, request, response.status_code)
        return response

    return wrapper


def docs_for_staff(urls):
    """The documentation page is for logged-in users; the OpenAPI document itself is public (it
    holds no data, and clients and schemathesis read it)."""
    patterns, app_name, namespace = urls
    for pattern in patterns:
        if pattern.name == "openapi-view":
            pattern.callback = login_required(pattern.callback)
    return patterns, app_name, namespace


def urls():
    patterns, app_name, namespace = docs_for_staff(api_v1.urls)
    for pattern in patterns:
        pattern.callback = _logged(pattern.callback)
    return patterns, app_name, namespace
