"""The HTTP API (OpenAPI 3 at /api/docs): session-authenticated, scoped and masked like the pages."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Field, NinjaAPI, Path, Query, Schema
from ninja.pagination import PageNumberPagination, paginate
from ninja.security import SessionAuth

from sanwen.api.docs import StaticSwagger
from sanwen.clients.models import Household
from sanwen.core.access import Cap, get_visible_or_404, require_cap, visible
from sanwen.core.params import MAX_ID
from sanwen.core.text import mask_id, mask_licence, mask_phone

api = NinjaAPI(
    title="Sanwen API",
    version="0",
    description="The first API, kept for its callers; new integrations use /api/v1/.",
    auth=SessionAuth(),
    urls_namespace="api",
    docs=StaticSwagger(),
)


class Error(Schema):
    detail: str


@api.exception_handler(PermissionDenied)
def forbidden(request, exc):
    return api.create_response(request, {"detail": "forbidden"}, status=403)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": "not found"}, status=404)


class HouseholdOut(Schema):
    """Personal numbers are always masked here; the pages' audited reveal is the only way to see them."""

    id: int
    kind: str
    name: str
    phone: str
    id_number: str
    township: str
    village: str | None
    licences: list[str]

    @staticmethod
    def resolve_phone(obj):
        return mask_phone(obj.phone)

    @staticmethod
    def resolve_id_number(obj):
        return mask_id(obj.id_number)

    @staticmethod
    def resolve_township(obj):
        return obj.township.name

    @staticmethod
    def resolve_village(obj):
        return obj.village.name if obj.village_id else None

    @staticmethod
    def resolve_licences(obj):
        return [mask_licence(lic.number) for lic in obj.licences.all()]


class HouseholdFilter(Schema):
    q: str | None = None
    kind: str | None = None
    township: int | None = Field(None, ge=1, le=MAX_ID)


class BoundedPagination(PageNumberPagination):
    """Page numbers a database can use: an absurd page (99999999999999999999) is a 422 with the
    reason, not an integer overflow in the driver."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=500)


@api.get("/clients", response=list[HouseholdOut], tags=["clients"])
@paginate(BoundedPagination, page_size=50)
def list_clients(request, filters: HouseholdFilter = Query(...)):  # noqa: B008
    require_cap(request.user, Cap.VIEW_CLIENTS)
    qs = visible(
        Household.objects.select_related("township", "village").prefetch_related("licences"), request.user
    )
    if filters.q:
        qs = qs.search(filters.q)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.township:
        qs = qs.filter(township_id=filters.township)
    return qs


@api.get("/clients/{household_id}", response={200: HouseholdOut, 404: Error}, tags=["clients"])
def get_client(request, household_id: int = Path(..., ge=1, le=MAX_ID)):  # noqa: B008
    require_cap(request.user, Cap.VIEW_CLIENTS)
    h = get_visible_or_404(
        Household.objects.select_related("township", "village"), request.user, pk=household_id
    )
    return h
