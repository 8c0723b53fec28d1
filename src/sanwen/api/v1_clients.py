"""Households, licences and deeds over the API. Personal numbers are always masked here: the
page's audited reveal is the only way to see them in full."""

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from sanwen.api.auth import writer
from sanwen.api.cursor import NO_NUL, PageParams, page
from sanwen.api.errors import refuse_nul
from sanwen.api.v1_cases import ERRORS, READ_ERRORS, _invalid
from sanwen.campaigns.models import Campaign
from sanwen.cases import services
from sanwen.cases import views as case_pages
from sanwen.cases.forms import DeedForm
from sanwen.cases.models import Deed
from sanwen.clients.models import Household, HouseholdKind, RetailLicence
from sanwen.core.access import Cap, get_visible_or_404, require_cap, visible
from sanwen.core.text import mask_id, mask_licence, mask_phone

router = Router(tags=["clients and deeds"])


class LicenceOut(Schema):
    id: int
    household_id: int
    number: str = Field(description="Masked.")
    holder: str
    business_name: str
    address: str
    valid_from: datetime.date
    valid_to: datetime.date
    status: str


class HouseholdOut(Schema):
    id: int
    kind: str
    name: str
    phone: str = Field(description="Masked.")
    id_number: str = Field(description="Masked.")
    township: str
    village: str | None
    address: str
    active: bool
    licences: list[LicenceOut]


class HouseholdPage(Schema):
    items: list[HouseholdOut]
    next: str | None


class LicencePage(Schema):
    items: list[LicenceOut]
    next: str | None


def _licence(lic: RetailLicence) -> dict:
    return {
        "id": lic.pk,
        "household_id": lic.household_id,
        "number": mask_licence(lic.number),
        "holder": lic.holder,
        "business_name": lic.business_name,
        "address": lic.address,
        "valid_from": lic.valid_from,
        "valid_to": lic.valid_to,
        "status": lic.status,
    }


def _household(h: Household) -> dict:
    return {
        "id": h.pk,
        "kind": h.kind,
        "name": h.name,
        "phone": mask_phone(h.phone),
        "id_number": mask_id(h.id_number),
        "township": h.township.name,
        "village": h.village.name if h.village_id else None,
        "address": h.address,
        "active": h.active,
        "licences": [_licence(lic) for lic in h.licences.all()],
    }


def _households(user):
    require_cap(user, Cap.VIEW_CLIENTS)
    licences = Prefetch("licences", queryset=visible(RetailLicence.objects.all(), user))
    return visible(Household.objects.select_related("township", "village").prefetch_related(licences), user)


class HouseholdFilters(Schema):
    q: str | None = Field(
        None, max_length=100, pattern=NO_NUL, description="Name, initials, phone tail or licence number."
    )
    kind: HouseholdKind | None = None
    township: int | None = None
    village: int | None = None


@router.get("/households", response={200: HouseholdPage, **READ_ERRORS}, summary="List households")
def list_households(request, filters: HouseholdFilters = Query(...), paging: PageParams = Query(...)):  # noqa: B008
    qs = _households(request.auth)
    if filters.q and filters.q.strip():
        qs = qs.search(filters.q.strip())
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.township:
        qs = qs.filter(township_id=filters.township)
    if filters.village:
        qs = qs.filter(village_id=filters.village)
    result = page(qs, paging)
    result["items"] = [_household(h) for h in result["items"]]
    return result


@router.get("/households/{household_id}", response={200: HouseholdOut, **READ_ERRORS}, summary="A household")
def get_household(request, household_id: int):
    return _household(get_visible_or_404(_households(request.auth), request.auth, pk=household_id))


def _licences(user):
    require_cap(user, Cap.VIEW_CLIENTS)
    return visible(RetailLicence.objects.all(), user)


@router.get("/licences", response={200: LicencePage, **READ_ERRORS}, summary="List retail licences")
def list_licences(request, paging: PageParams = Query(...)):  # noqa: B008
    result = page(_licences(request.auth), paging)
    result["items"] = [_licence(lic) for lic in result["items"]]
    return result


@router.get("/licences/{licence_id}", response={200: LicenceOut, **READ_ERRORS}, summary="A retail licence")
def get_licence(request, licence_id: int):
    return _licence(get_visible_or_404(_licences(request.auth), request.auth, pk=licence_id))


class DeedOut(Schema):
    id: int
    kind: str
    quantity: Decimal
    unit: str
    vehicle: str
    on: datetime.date
    description: str
    cases: list[int]


class DeedPage(Schema):
    items: list[DeedOut]
    next: str | None


class DeedFilters(Schema):
    start: datetime.date | None = Field(None, alias="from")
    end: datetime.date | None = Field(None, alias="to")


def _deed(d: Deed) -> dict:
    return {
        "id": d.pk,
        "kind": d.kind.name,
        "quantity": d.quantity,
        "unit": d.unit,
        "vehicle": d.vehicle.name,
        "on": d.on,
        "description": d.description,
        "cases": [c.pk for c in d.cases.all()],
    }


def _deeds(user):
    require_cap(user, Cap.VIEW_CASES)
    return visible(Deed.objects.select_related("kind", "vehicle").prefetch_related("cases"), user)


@router.get("/deeds", response={200: DeedPage, **READ_ERRORS}, summary="List deeds (实事)")
def list_deeds(request, filters: DeedFilters = Query(...), paging: PageParams = Query(...)):  # noqa: B008
    qs = _deeds(request.auth)
    if filters.start:
        qs = qs.filter(on__gte=filters.start)
    if filters.end:
        qs = qs.filter(on__lte=filters.end)
    result = page(qs, paging)
    result["items"] = [_deed(d) for d in result["items"]]
    return result


@router.get("/deeds/{deed_id}", response={200: DeedOut, **READ_ERRORS}, summary="A deed")
def get_deed(request, deed_id: int):
    return _deed(get_visible_or_404(_deeds(request.auth), request.auth, pk=deed_id))


class DeedIn(Schema):
    kind: str = Field(max_length=32, description="A deed kind's code in the running campaign.")
    quantity: Decimal = Field(description="In the kind's unit; at least 0.1, one decimal.")
    vehicle: str | None = Field(
        None, max_length=32, description="A vehicle's code (三送三抓); the kind's usual one by default."
    )
    on: datetime.date
    description: str = Field(max_length=5000)
    cases: list[str] = Field([], max_length=50, description="Numbers of linked cases, e.g. 2026-00012.")
    public: bool = False


@router.post("/deeds", response={201: DeedOut, **ERRORS}, summary="Record a deed (实事)")
def create_deed(request, payload: DeedIn):
    refuse_nul(payload)
    require_cap(request.auth, Cap.VIEW_CASES)  # the answer is the deed as the caller reads it
    user = writer(request.auth)
    require_cap(user, Cap.HANDLE_CASES)
    campaign = Campaign.objects.current(user.bureau, timezone.localdate()) if user.bureau_id else None
    if campaign is None:
        raise PermissionDenied(_("No campaign of the bureau is running."))
    kind = campaign.deedkind_set.filter(code=payload.kind, active=True).first()
    vehicle = (
        campaign.vehicle_set.filter(code=payload.vehicle, active=True).first() if payload.vehicle else None
    )
    data = {
        "kind": str(kind.pk) if kind else "",
        "quantity": str(payload.quantity),
        "vehicle": str(vehicle.pk) if vehicle else ("-" if payload.vehicle else ""),
        "on": payload.on.isoformat(),
        "description": payload.description,
        "cases": ", ".join(payload.cases),
    }
    if payload.public:
        data["public"] = "on"
    form = DeedForm(data, campaign=campaign)
    if not form.is_valid():
        _invalid(form)
    cleaned = form.cleaned_data
    request.user = user
    numbers = [n for n in cleaned.pop("cases").replace("，", ",").split(",") if n.strip()]
    linked = [case_pages._case_by_number(request, n) for n in numbers]
    deed = services.deed_record(
        bureau=user.bureau, by=user, cases=linked, department=user.department, **cleaned
    )
    return Status(201, _deed(get_visible_or_404(_deeds(request.auth), request.auth, pk=deed.pk)))
