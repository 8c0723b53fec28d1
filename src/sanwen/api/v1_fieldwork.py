"""Visits and meetings over the API. Creating one is idempotent by the client's own id
(`client_id`, a UUID the phone's outbox gives each record): a resend returns the record made the
first time (200) instead of making a second (201 the first time)."""

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.middleware.csrf import get_token
from django.urls import reverse
from django.utils import timezone
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
from sanwen.core.text import mask_licence, mask_phone, search_key
from sanwen.fieldwork import outbox, services
from sanwen.fieldwork.models import Channel, FieldDay, Meeting, MeetingKind, Visit, VisitHousehold, VisitStaff
from sanwen.org.models import ContactPoint, Place, Staff

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
        outbox.check_window(payload.on, errors)
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
        visits = visits.filter(pk__in=VisitStaff.objects.filter(staff_id=user.pk).values("visit_id"))
    if filters.household:
        visits = visits.filter(
            pk__in=VisitHousehold.objects.filter(household_id=filters.household).values("visit_id")
        )
    # Filters by subquery keep one row per visit: no DISTINCT, so a page reads the index in its order.
    result = page(visits, paging)
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
        outbox.check_window(payload.on, errors)
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


class FieldDayIn(Schema):
    client_id: uuid.UUID = Field(
        description="The record's id chosen by the client; a resend returns the same field day."
    )
    on: datetime.date
    activity: str = Field(max_length=200)
    village: int | None = Field(None, description="A village of the bureau's area.")


class FieldDayOut(Schema):
    id: int
    on: datetime.date
    activity: str
    village: str | None
    staff: int
    source: str


def _field_day_out(day: FieldDay) -> dict:
    return {
        "id": day.pk,
        "on": day.on,
        "activity": day.activity,
        "village": day.village.name if day.village_id else None,
        "staff": day.staff_id,
        "source": day.source,
    }


@router.post(
    "/field-days",
    response={200: FieldDayOut, 201: FieldDayOut, **ERRORS},
    summary="Record one's own field day without a visit (idempotent by client_id)",
)
def create_field_day(request, payload: FieldDayIn):
    user = request.auth
    refuse_nul(payload)
    require_person(user)
    require_cap(user, Cap.RECORD_FIELDWORK)

    def make():
        errors: dict = {}
        village = _village(user, payload.village, errors) if payload.village is not None else None
        outbox.check_window(payload.on, errors)
        if errors:
            raise ValidationError(errors)
        return services.field_day_record(
            by=user, staff=user, on=payload.on, activity=payload.activity, village=village
        )

    day, created = _once(user, "field_day", payload.client_id, make, FieldDay)
    day = get_visible_or_404(FieldDay.objects.select_related("village"), user, pk=day.pk)
    return Status(201 if created else 200, _field_day_out(day))


# --- the phone's offline set and its outbox ------------------------------------------------

OFFLINE_HOUSEHOLDS_MAX = 3000  # a cadre's villages and 90 days of visits; more is a data error
OFFLINE_RECENT_DAYS = 90


class OfflineMe(Schema):
    user: int = Field(description="Whose outbox may upload now: records made by another id wait.")
    name: str
    csrf_token: str
    window_days: int = Field(description="Records are accepted up to this many days after their date.")
    today: datetime.date


@router.get(
    "/offline/me", response={200: OfflineMe, **READ_ERRORS}, summary="Who the phone's outbox uploads as"
)
def offline_me(request):
    user = request.auth
    require_person(user)
    require_cap(user, Cap.RECORD_FIELDWORK)
    return {
        "user": user.pk,
        "name": user.name or user.username,
        "csrf_token": get_token(request),
        "window_days": outbox.date_window_days(),
        "today": timezone.localdate(),
    }


class OfflineHousehold(Schema):
    id: int
    label: str = Field(description="What the pages show when the household is chosen.")
    name: str
    kind: str
    township: str
    village: str
    phone: str = Field(description="Masked, as on the pages.")
    licences: list[str] = Field(description="Licence numbers, masked as on the pages.")
    key: str = Field(description="Folded names, pinyin initials and the phone's last four digits.")


class OfflineHouseholds(Schema):
    items: list[OfflineHousehold]
    count: int
    truncated: bool


@router.get(
    "/offline/households",
    response={200: OfflineHouseholds, **READ_ERRORS},
    summary="My households for the phone: my contact points' villages and whom I visited lately",
)
def offline_households(request):
    user = request.auth
    require_person(user)
    require_cap(user, Cap.RECORD_FIELDWORK)
    today = timezone.localdate()
    visited = VisitHousehold.objects.filter(
        visit__staff_links__staff_id=user.pk, on__gte=today - datetime.timedelta(days=OFFLINE_RECENT_DAYS)
    ).values("household_id")
    villages = (
        ContactPoint.objects.filter(staff_id=user.pk, since__lte=today)
        .filter(Q(until__isnull=True) | Q(until__gte=today))
        .values("village_id")
    )
    households = list(
        visible(Household.objects.select_related("township", "village"), user)
        .filter(Q(pk__in=visited) | Q(village_id__in=villages), active=True)
        .prefetch_related("licences")
        .order_by("township__code", "village__code", "name", "id")[: OFFLINE_HOUSEHOLDS_MAX + 1]
    )
    truncated = len(households) > OFFLINE_HOUSEHOLDS_MAX
    items = []
    for h in households[:OFFLINE_HOUSEHOLDS_MAX]:
        licences = list(h.licences.all())
        names = (h.name, *[lic.business_name for lic in licences])
        items.append(
            {
                "id": h.pk,
                "label": f"{h.name} · {h.township.name}",
                "name": h.name,
                "kind": h.get_kind_display(),
                "township": h.township.name,
                "village": h.village.name if h.village_id else "",
                "phone": mask_phone(h.phone),
                "licences": [mask_licence(lic.number) for lic in licences],
                "key": " ".join([search_key(*names, names=names), (h.phone or "")[-4:]]).strip(),
            }
        )
    return {"items": items, "count": len(items), "truncated": truncated}


class Uploaded(Schema):
    id: int
    kind: str
    url: str
    created: bool


UPLOAD_KINDS = {
    "visit": (outbox.visit_submit, Visit),
    "meeting": (outbox.meeting_submit, Meeting),
    "field_day": (outbox.field_day_submit, FieldDay),
}


def _upload(request, kind: str):
    """One record of the phone's outbox, as the page form's fields (multipart, with photos), plus
    `client_id` (made on the phone), `owner` (the user id that recorded it) and `recorded_at`."""
    user = request.auth
    require_person(user)
    require_cap(user, Cap.RECORD_FIELDWORK)
    data, files = request.POST, request.FILES
    try:
        client_id = uuid.UUID(str(data.get("client_id", "")))
    except ValueError:
        raise ValidationError({"client_id": [_("The record has no valid id from the phone.")]}) from None
    if str(data.get("owner", "")) != str(user.pk):
        raise PermissionDenied(
            _("This record was made on the phone by another person: it is uploaded only when they log in.")
        )
    if any("\x00" in value for values in data.lists() for value in values[1]):
        raise ValidationError(
            {
                "__all__": [
                    _(
                        "The request contains an invisible NUL character, which cannot be used. Nothing was saved."
                    )
                ]
            }
        )
    submit, model = UPLOAD_KINDS[kind]
    record, created = _once(user, kind, client_id, lambda: submit(user=user, data=data, files=files), model)
    url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else reverse("fieldwork_home")
    return Status(201 if created else 200, {"id": record.pk, "kind": kind, "url": url, "created": created})


UPLOAD_DOC = (
    "multipart/form-data with the page form's fields (photos as files), `client_id` (a UUID made on "
    "the phone: a resend returns the record made the first time), `owner` (the recording user's id) "
    "and `recorded_at` (the phone's time, kept in the audit trail)."
)


@router.post(
    "/offline/visits",
    response={200: Uploaded, 201: Uploaded, **ERRORS},
    summary="Upload a visit from the phone's outbox (idempotent by client_id)",
    description=UPLOAD_DOC,
)
def upload_visit(request):
    return _upload(request, "visit")


@router.post(
    "/offline/meetings",
    response={200: Uploaded, 201: Uploaded, **ERRORS},
    summary="Upload a meeting from the phone's outbox (idempotent by client_id)",
    description=UPLOAD_DOC,
)
def upload_meeting(request):
    return _upload(request, "meeting")


@router.post(
    "/offline/field-days",
    response={200: Uploaded, 201: Uploaded, **ERRORS},
    summary="Upload a field day from the phone's outbox (idempotent by client_id)",
    description=UPLOAD_DOC,
)
def upload_field_day(request):
    return _upload(request, "field_day")
