"""Households, licences and deeds over the API. Personal numbers are always masked here: the
page's audited reveal is the only way to see them in full."""

import datetime
from decimal import Decimal

from django.db.models import Prefetch
from ninja import Field, Query, Router, Schema

from sanwen.api.cursor import NO_NUL, PageParams, page
from sanwen.api.v1_cases import READ_ERRORS
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
