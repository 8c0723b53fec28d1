"""Visits and meetings over the API. Creating one is idempotent by the client's own id
(`client_id`, a UUID the phone's outbox gives each record): a resend returns the record made the
first time (200) instead of making a second (201 the first time)."""

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from sanwen.api.cursor import PageParams, page
from sanwen.api.errors import refuse_nul
from sanwen.api.models import ClientSubmission
from sanwen.api.v1_cases import ERRORS, READ_ERRORS, require_person
from sanwen.campaigns.models import Campaign, HandlingMode, Vehicle, VisitRole
from sanwen.cases.models import ItemKind
from sanwen.clients.models import Household
from sanwen.core.access import Cap, get_visible_or_404, require_cap, visible
from sanwen.fieldwork import services
from sanwen.fieldwork.models import Channel, Meeting, MeetingKind, Visit
from sanwen.org.models import Place, Staff

router = Router(tags=["field work"])


class ItemIn(Schema):
    """Something a client raised: it becomes a case (or a suggestion) with the visit or meeting."""

    kind: ItemKind
    text: str = Field(max_length=5000)
    household: int | None = Field(None, description="One of the households visited or present.")
    mode: str | None = Field(None, description="A handling mode's code; the campaign's default if empty.")
    resolved: str = Field("", description="立即办 settled on the spot: the result.")
    confidential: bool = False


class VisitIn(Schema):
    client_id: uuid.UUID = Field(
        description="The record's id chosen by the client; a resend returns the same visit."
    )
    on: datetime.date
    channel: Channel = Channel.FACE
    diary: str = Field(max_length=10000)
    households: list[int] = Field(max_length=50)
    staff: list[int] = Field(
        [], max_length=20, description="Colleagues who went too (the caller always counts)."
    )
    vehicles: list[str] = Field([], max_length=20, description="Activity vehicles' codes.")
    roles: list[str] = Field([], max_length=20, description="Visiting roles' codes.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: int | None = Field(None, ge=0, le=100000)
    items: list[ItemIn] = Field([], max_length=20)


class MeetingIn(Schema):
    client_id: uuid.UUID = Field(
        description="The record's id chosen by the client; a resend returns the same meeting."
    )
    kind: MeetingKind
    title: str = Field(max_length=100)
    on: datetime.date
    place: str = Field(max_length=100)
    minutes: str = Field(max_length=20000)
    decisions: str = Field("", max_length=10000)
    village: int | None = None
    staff: list[int] = Field([], max_length=50)
    households: list[int] = Field([], max_length=200)
    other_attendees: int = Field(0, ge=0, le=100000)
    vehicles: list[str] = Field([], max_length=20)
    items: list[ItemIn] = Field([], max_length=20)


class VisitOut(Schema):
    id: int
    on: datetime.date
    channel: str
    diary: str
    village: str | None
    recorded_by: str | None
    households: list[int]
    staff: list[int]
    cases: list[int]


class MeetingOut(Schema):
    id: int
    kind: str
    title: str
    on: datetime.date
    place: str
    village: str | None
    minutes: str
    decisions: str
    other_attendees: int
    staff: list[int]
    households: list[int]
    cases: list[int]


class VisitPage(Schema):
    items: list[VisitOut]
    next: str | None


class MeetingPage(Schema):
    items: list[MeetingOut]
    next: str | None


def _visit_out(v: Visit) -> dict:
    return {
        "id": v.pk,
        "on": v.on,
        "channel": v.channel,
        "diary": v.diary,
        "village": v.village.name if v.village_id else None,
        "recorded_by": v.recorded_by.name if v.recorded_by_id else None,
        "households": [h.pk for h in v.households.all()],
        "staff": [s.pk for s in v.staff.all()],
        "cases": [c.pk for c in v.cases.all()],
    }


def _meeting_out(m: Meeting) -> dict:
    return {
        "id": m.pk,
        "kind": m.kind,
        "title": m.title,
        "on": m.on,
        "place": m.place,
        "village": m.village.name if m.village_id else None,
        "minutes": m.minutes,
        "decisions": m.decisions,
        "other_attendees": m.other_attendees,
        "staff": [s.pk for s in m.staff.all()],
        "households": [h.pk for h in m.households.all()],
        "cases": [c.pk for c in m.cases.all()],
    }


def _visits(user):
    require_cap(user, Cap.VIEW_FIELDWORK)
    return visible(
        Visit.objects.select_related("village", "recorded_by").prefetch_related(
            "households", "staff", "cases"
        ),
        user,
    )


def _meetings(user):
    require_cap(user, Cap.VIEW_FIELDWORK)
    return visible(
        Meeting.objects.select_related("village").prefetch_related("households", "staff", "cases"), user
    )


def _rows(qs, ids: list[int], field: str, errors: dict) -> list:
    found = {row.pk: row for row in qs.filter(pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        errors[field] = [_("Not found in your bureau: %(ids)s") % {"ids": ", ".join(map(str, missing))}]
    return [found[i] for i in dict.fromkeys(ids) if i in found]


def _terms(model, campaign, codes: list[str], field: str, errors: dict) -> list:
    found = (
        {row.code: row for row in model.objects.filter(campaign=campaign, code__in=codes)} if campaign else {}
    )
    missing = [c for c in codes if c not in found]
    if missing and campaign is not None:
        errors[field] = [_("Unknown codes: %(codes)s") % {"codes": ", ".join(missing)}]
    return [found[c] for c in dict.fromkeys(codes) if c in found]


def _items(items: list[ItemIn], households: list, campaign, errors: dict) -> list[dict]:
    by_id = {h.pk: h for h in households}
    modes = {m.code: m for m in HandlingMode.objects.filter(campaign=campaign)} if campaign else {}
    out = []
    for n, item in enumerate(items, start=1):
        household = by_id.get(item.household) if item.household is not None else None
        if item.household is not None and household is None:
            errors.setdefault("items", []).append(
                _("Item %(n)d: the client must be one of those visited.") % {"n": n}
            )
        if household is None and len(households) == 1:
            household = households[0]
        mode = modes.get(item.mode) if item.mode else None
        if item.mode and mode is None:
            errors.setdefault("items", []).append(_("Item %(n)d: unknown handling mode.") % {"n": n})
        out.append(
            {
                "kind": item.kind,
                "text": item.text,
                "household": household,
                "mode": mode,
                "resolved": item.resolved,
                "confidential": item.confidential,
            }
        )
    return out


def _once(user, kind: str, client_id, make, model):
    """Run `make()` unless this client id was already used for a `kind` in the bureau; returns
    (record, created)."""
    seen = ClientSubmission.objects.filter(bureau_id=user.bureau_id, kind=kind, client_id=client_id).first()
    if seen is None:
        try:
            with transaction.atomic():
                record = make()
                ClientSubmission.objects.create(
                    bureau_id=user.bureau_id, kind=kind, client_id=client_id, object_id=record.pk, by=user
                )
                return record, True
        except IntegrityError:  # the same id arrived twice at once: the other one won
            seen = ClientSubmission.objects.filter(
                bureau_id=user.bureau_id, kind=kind, client_id=client_id
            ).first()
            if seen is None:
                raise
    if seen.by_id != user.pk:
        raise PermissionDenied(_("This client_id was used by someone else."))
    return model.objects.get(pk=seen.object_id), False


@router.post(
    "/visits",
    response={200: VisitOut, 201: VisitOut, **ERRORS},
    summary="Record a visit (idempotent by client_id)",
)
def create_visit(request, payload: VisitIn):
    user = request.auth
    refuse_nul(payload)
    require_person(user)
    require_cap(user, Cap.RECORD_FIELDWORK)

    def make():
        errors: dict = {}
        households = _rows(
            visible(Household.objects.select_related("village"), user),
            payload.households,
            "households",
            errors,
        )
        staff = _rows(visible(Staff.objects.all(), user), payload.staff, "staff", errors)
        campaign = Campaign.objects.current(user.bureau, payload.on)
        vehicles = _terms(Vehicle, campaign, payload.vehicles, "vehicles", errors)
        roles = _terms(VisitRole, campaign, payload.roles, "roles", errors)
        items = _items(payload.items, households, campaign, errors)
        if errors:
            raise ValidationError(errors)
        return services.visit_record(
            bureau=user.bureau,
            by=user,
            on=payload.on,
            channel=payload.channel,
            diary=payload.diary,
            households=households,
            staff=[user, *[p for p in staff if p.pk != user.pk]],
            vehicles=vehicles,
            roles=roles,
            latitude=payload.latitude,
            longitude=payload.longitude,
            accuracy=payload.accuracy,
            items=items,
        )

    visit, created = _once(user, "visit", payload.client_id, make, Visit)
    return Status(201 if created else 200, _visit_out(_visits(user).get(pk=visit.pk)))


class VisitFilters(Schema):
    start: datetime.date | None = Field(None, alias="from")
    end: datetime.date | None = Field(None, alias="to")
    mine: bool = False
    household: int | None = None


@router.get("/visits", response={200: VisitPage, **READ_ERRORS}, summary="List visits")
def list_visits(request, filters: VisitFilters = Query(...), paging: PageParams = Query(...)):  # noqa: B008
    user = request.auth
    visits = _visits(user)
    if filters.start:
        visits = visits.filter(on__gte=filters.start)
    if filters.end:
        visits = visits.filter(on__lte=filters.end)
    if filters.mine:
        visits = visits.filter(staff_links__staff_id=user.pk)
    if filters.household:
        visits = visits.filter(household_links__household_id=filters.household)
    result = page(visits.distinct(), paging)
    result["items"] = [_visit_out(v) for v in result["items"]]
    return result


@router.get("/visits/{visit_id}", response={200: VisitOut, **READ_ERRORS}, summary="A visit")
def get_visit(request, visit_id: int):
    return _visit_out(get_visible_or_404(_visits(request.auth), request.auth, pk=visit_id))


@router.post(
    "/meetings",
    response={200: MeetingOut, 201: MeetingOut, **ERRORS},
    summary="Record a meeting (idempotent by client_id)",
)
def create_meeting(request, payload: MeetingIn):
    user = request.auth
    refuse_nul(payload)
    require_person(user)
    require_cap(user, Cap.RECORD_FIELDWORK)

    def make():
        errors: dict = {}
        households = _rows(visible(Household.objects.all(), user), payload.households, "households", errors)
        staff = _rows(visible(Staff.objects.all(), user), payload.staff, "staff", errors)
        campaign = Campaign.objects.current(user.bureau, payload.on)
        vehicles = _terms(Vehicle, campaign, payload.vehicles, "vehicles", errors)
        items = _items(payload.items, households, campaign, errors)
        village = _village(user, payload.village, errors) if payload.village is not None else None
        if errors:
            raise ValidationError(errors)
        return services.meeting_record(
            bureau=user.bureau,
            by=user,
            kind=payload.kind,
            title=payload.title,
            on=payload.on,
            place=payload.place,
            minutes=payload.minutes,
            decisions=payload.decisions,
            village=village,
            staff=staff or [user],
            households=households,
            other_attendees=payload.other_attendees,
            vehicles=vehicles,
            items=items,
        )

    meeting, created = _once(user, "meeting", payload.client_id, make, Meeting)
    return Status(201 if created else 200, _meeting_out(_meetings(user).get(pk=meeting.pk)))


def _village(user, village_id: int, errors: dict):
    village = Place.objects.within(user.bureau.area.code).filter(pk=village_id).first()
    if village is None:
        errors["village"] = [_("Not a village of your bureau's area.")]
    return village


@router.get("/meetings", response={200: MeetingPage, **READ_ERRORS}, summary="List meetings")
def list_meetings(request, paging: PageParams = Query(...)):  # noqa: B008
    result = page(_meetings(request.auth), paging)
    result["items"] = [_meeting_out(m) for m in result["items"]]
    return result


@router.get("/meetings/{meeting_id}", response={200: MeetingOut, **READ_ERRORS}, summary="A meeting")
def get_meeting(request, meeting_id: int):
    return _meeting_out(get_visible_or_404(_meetings(request.auth), request.auth, pk=meeting_id))
