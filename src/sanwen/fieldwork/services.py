"""Field work's writes: field days, leave, visits (with the items raised on them), meetings, research,
ledger books and notebook reviews. Each is one transaction; visits and meetings raise cases through the
cases services."""

import datetime
import math
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.campaigns.models import Campaign
from sanwen.cases.models import ITEM_KINDS, ContactKind, Source
from sanwen.cases.services import case_register
from sanwen.core.access import Cap, Role, has_cap
from sanwen.core.audit import audit_bulk_create, audit_create, audit_update, snapshot
from sanwen.core.calendar import UnknownYear, WorkingCalendar
from sanwen.core.photos import clean_photo
from sanwen.core.text import clean_spaces
from sanwen.core.versions import version_claim
from sanwen.fieldwork.models import (
    Channel,
    FieldDay,
    FieldDaySource,
    Leave,
    LeaveKind,
    LeaveMonth,
    LeaveState,
    LedgerBook,
    LedgerScope,
    Meeting,
    MeetingKind,
    NotebookReview,
    Research,
    Visit,
    VisitDay,
    VisitedMonth,
    VisitHousehold,
    VisitPhoto,
    VisitStaff,
    month_start,
)

MAX_PHOTOS = 9
MAX_REPORT_BYTES = 20 * 1024 * 1024
REPORT_EXTENSIONS = (".docx", ".doc", ".pdf", ".wps", ".odt", ".txt")


def _today() -> datetime.date:
    return timezone.localdate()


def _require(by, cap: str) -> None:
    if not has_cap(by, cap):
        raise PermissionDenied(_("You may not do this."))


def _campaign(bureau, on: datetime.date, errors: dict, field: str = "on"):
    campaign = Campaign.objects.current(bureau, on)
    if campaign is None:
        errors.setdefault(field, []).append(_("No campaign of the bureau runs on %(day)s.") % {"day": on})
    return campaign


def _check_date(on, errors: dict, field: str = "on") -> None:
    if on is None:
        errors.setdefault(field, []).append(_("Give the date."))
    elif on > _today():
        errors.setdefault(field, []).append(_("The date cannot be in the future."))


def _check_people(bureau, staff: Iterable, errors: dict, field: str = "staff") -> list:
    staff = list(dict.fromkeys(staff))
    if not staff:
        errors.setdefault(field, []).append(_("Choose at least one staff member."))
    elif any(p.bureau_id != bureau.pk or not p.is_active for p in staff):
        errors.setdefault(field, []).append(_("Every staff member must be an active member of the bureau."))
    return staff


def _check_households(bureau, households: Iterable, errors: dict, *, required: bool) -> list:
    households = list(dict.fromkeys(households))
    if required and not households:
        errors.setdefault("households", []).append(_("Choose at least one household."))
    if any(h.bureau_id != bureau.pk for h in households):
        errors.setdefault("households", []).append(_("This client belongs to another bureau."))
    return households


def _check_terms(campaign, vehicles, roles, errors: dict) -> tuple[list, list]:
    vehicles, roles = list(vehicles or ()), list(roles or ())
    if campaign is not None:
        if any(v.campaign_id != campaign.pk for v in vehicles):
            errors.setdefault("vehicles", []).append(_("This activity vehicle belongs to another campaign."))
        if any(r.campaign_id != campaign.pk for r in roles):
            errors.setdefault("roles", []).append(_("This role belongs to another campaign."))
    return vehicles, roles


def _may_record_for(by, person) -> bool:
    """Anyone records their own field work; leaders for anyone, heads for their department."""
    if person.pk == by.pk or by.is_superuser or by.role == Role.LEADER:
        return True
    return (
        by.role == Role.DEPT_HEAD
        and by.department_id is not None
        and by.department_id == person.department_id
    )


def _mark_field_days(*, bureau, staff: list, on, village, activity: str, source: str) -> int:
    """A field day for each person who has none on that date yet. Returns how many were added."""
    have = set(FieldDay.objects.filter(staff__in=staff, on=on).values_list("staff_id", flat=True))
    new = [
        FieldDay(bureau=bureau, staff=p, on=on, village=village, activity=activity[:200], source=source)
        for p in staff
        if p.pk not in have
    ]
    FieldDay.objects.bulk_create(new)
    return len(new)


# --- field days and leave -----------------------------------------------------------------


@transaction.atomic
def field_day_record(
    *, by, staff, on: datetime.date, activity: str, village=None, note: str = ""
) -> FieldDay:
    _require(by, Cap.RECORD_FIELDWORK)
    errors: dict[str, list] = {}
    activity = clean_spaces(activity)
    if not _may_record_for(by, staff):
        raise PermissionDenied(_("You may record field days for yourself and your department only."))
    _check_date(on, errors)
    if not activity:
        errors["activity"] = [_("Say what was done on site.")]
    if staff.bureau_id is None or not staff.is_active:
        errors["staff"] = [_("Every staff member must be an active member of the bureau.")]
    if on and FieldDay.objects.filter(staff=staff, on=on).exists():
        errors.setdefault("on", []).append(
            _("%(name)s already has a field day on %(day)s.") % {"name": staff.name, "day": on}
        )
    if errors:
        raise ValidationError(errors)
    day = FieldDay.objects.create(
        bureau_id=staff.bureau_id, staff=staff, on=on, village=village, activity=activity[:200]
    )
    audit_create(by=by, obj=day, note=note)
    return day


@transaction.atomic
def field_days_bulk(*, by, bureau, days: Iterable[tuple]) -> int:
    """Many field days at once (imports from paper records, the demo): (staff, date, village, activity)
    each; a day someone already has is skipped. One audit row per day, written together."""
    _require(by, Cap.RECORD_FIELDWORK)
    days = list(days)
    errors = []
    for person, on, _village, activity in days:
        if person.bureau_id != bureau.pk or on > _today() or not clean_spaces(activity):
            errors.append(_("%(name)s, %(day)s: not a valid field day.") % {"name": person.name, "day": on})
    if errors:
        raise ValidationError(errors)
    have = set(
        FieldDay.objects.filter(
            staff__in={p for p, *_rest in days}, on__in={d for _p, d, *_rest in days}
        ).values_list("staff_id", "on")
    )
    new, seen = [], set()
    for person, on, village, activity in days:
        if (person.pk, on) in have or (person.pk, on) in seen:
            continue
        seen.add((person.pk, on))
        new.append(
            FieldDay(
                bureau=bureau, staff=person, on=on, village=village, activity=clean_spaces(activity)[:200]
            )
        )
    created = FieldDay.objects.bulk_create(new)
    audit_bulk_create(by=by, objs=created)
    return len(created)


def leave_working_days(calendar: WorkingCalendar, start: datetime.date, end: datetime.date) -> dict:
    """{first of month: working days of [start, end] in that month}. A year nobody has entered yet is
    counted Monday to Friday (and recounted when it is entered)."""
    result: dict[datetime.date, int] = {}
    day = start
    while day <= end:
        try:
            working = calendar.is_workday(day)
        except UnknownYear:
            working = day.weekday() < 5
        key = month_start(day)
        result.setdefault(key, 0)
        result[key] += working
        day += datetime.timedelta(days=1)
    return result


@transaction.atomic
def leave_request(*, by, kind: str, start, end, reason: str, staff=None) -> Leave:
    """请假/出差: asked by the person (or recorded for them by a leader or their head)."""
    _require(by, Cap.RECORD_FIELDWORK)
    staff = staff or by
    if not _may_record_for(by, staff):
        raise PermissionDenied(_("You may record field days for yourself and your department only."))
    errors: dict[str, list] = {}
    reason = clean_spaces(reason)
    if kind not in LeaveKind.values:
        errors["kind"] = [_("Choose leave or business trip.")]
    if start is None or end is None:
        errors["start"] = [_("Give the first and the last day.")]
    elif end < start:
        errors["end"] = [_("The last day cannot come before the first.")]
    elif (end - start).days > 366:
        errors["end"] = [_("A leave cannot be longer than a year.")]
    if not reason:
        errors["reason"] = [_("Give the reason.")]
    if (
        not errors
        and Leave.objects.filter(
            staff=staff, state__in=(LeaveState.PENDING, LeaveState.APPROVED), start__lte=end, end__gte=start
        ).exists()
    ):
        errors["start"] = [_("These days overlap another leave or trip of the same person.")]
    if errors:
        raise ValidationError(errors)
    leave = Leave.objects.create(
        bureau_id=staff.bureau_id, staff=staff, kind=kind, start=start, end=end, reason=reason
    )
    audit_create(by=by, obj=leave)
    return leave


@transaction.atomic
def leave_decide(*, leave: Leave, by, approve: bool, note: str = "", on=None) -> Leave:
    """A leader approves or refuses; approval splits the leave's working days by month."""
    _require(by, Cap.APPROVE_LEAVE)
    leave = Leave.objects.select_for_update().get(pk=leave.pk)
    if leave.bureau_id != by.bureau_id and not by.is_superuser:
        raise PermissionDenied
    if leave.state != LeaveState.PENDING:
        raise ValidationError(_("This request has been decided already."))
    if leave.staff_id == by.pk:
        raise ValidationError(_("Nobody approves their own leave."))
    before = snapshot(leave)
    leave.state = LeaveState.APPROVED if approve else LeaveState.REFUSED
    leave.decided_by, leave.decided_on = by, on or _today()
    leave.decision_note = clean_spaces(note)[:200]
    leave.save()
    audit_update(by=by, obj=leave, before=before)
    if approve:
        _split_by_month(leave, WorkingCalendar.load())
    return leave


@transaction.atomic
def leave_withdraw(*, leave: Leave, by) -> Leave:
    leave = Leave.objects.select_for_update().get(pk=leave.pk)
    if leave.staff_id != by.pk and not has_cap(by, Cap.APPROVE_LEAVE):
        raise PermissionDenied
    if leave.state not in (LeaveState.PENDING, LeaveState.APPROVED):
        raise ValidationError(_("Only a pending or approved leave can be withdrawn."))
    before = snapshot(leave)
    leave.state = LeaveState.CANCELLED
    leave.save(update_fields=["state", "updated_at"])
    LeaveMonth.objects.filter(leave=leave).delete()
    audit_update(by=by, obj=leave, before=before)
    return leave


def _split_by_month(leave: Leave, calendar: WorkingCalendar) -> None:
    LeaveMonth.objects.filter(leave=leave).delete()
    LeaveMonth.objects.bulk_create(
        LeaveMonth(leave=leave, staff_id=leave.staff_id, month=month, working_days=days)
        for month, days in leave_working_days(calendar, leave.start, leave.end).items()
    )


@transaction.atomic
def leave_recount(*, year: int) -> int:
    """After an administrator enters a year's holidays: recount the approved leave touching it."""
    calendar = WorkingCalendar.load()
    leaves = Leave.objects.filter(
        state=LeaveState.APPROVED, start__lte=datetime.date(year, 12, 31), end__gte=datetime.date(year, 1, 1)
    )
    n = 0
    for leave in leaves:
        _split_by_month(leave, calendar)
        n += 1
    return n


# --- visits -------------------------------------------------------------------------------


def _coordinate(value, limit: int, errors: dict, field: str):
    if value in (None, ""):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or abs(number) > limit:  # NaN, inf, 1e999 included
        errors.setdefault("location", []).append(_("The location is not valid."))
        return None
    return number.quantize(Decimal("0.000001"))


MAX_ACCURACY_M = 1_000_000  # a browser's accuracy estimate beyond this (or not a number) is dropped


def accuracy_metres(value) -> int | None:
    """The accuracy of a location in whole metres, or None when it is missing or unusable (negative,
    NaN, infinite, absurd): a bad estimate from the phone loses the estimate, not the visit."""
    if value in (None, ""):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return int(number) if math.isfinite(number) and 0 <= number <= MAX_ACCURACY_M else None


def _check_items(items, households: list, campaign, errors: dict, by=None) -> list[dict]:
    """Items raised on a visit or at a meeting: kind, text, whose (one of the households), mode."""
    checked = []
    if items and by is not None and not has_cap(by, Cap.HANDLE_CASES):
        errors.setdefault("items", []).append(
            _("You may not register cases; ask a colleague to raise these items.")
        )
        return checked
    for index, item in enumerate(items or (), start=1):
        text = (item.get("text") or "").strip()
        if not text:
            errors.setdefault("items", []).append(_("Item %(n)d: write down what was raised.") % {"n": index})
            continue
        kind = item.get("kind")
        if kind not in ITEM_KINDS:
            errors.setdefault("items", []).append(_("Item %(n)d: choose its kind.") % {"n": index})
            continue
        household = item.get("household")
        if household is not None and household not in households:
            errors.setdefault("items", []).append(
                _("Item %(n)d: the client must be one of those visited.") % {"n": index}
            )
            continue
        mode = item.get("mode")
        if mode is not None and campaign is not None and mode.campaign_id != campaign.pk:
            errors.setdefault("items", []).append(
                _("Item %(n)d: this handling mode belongs to another campaign.") % {"n": index}
            )
            continue
        checked.append({**item, "text": text})
    return checked


def met_in_village(household, village) -> bool:
    """A meeting in the household's own village (its village committee, or the natural village under it)."""
    return village is not None and village.pk in (
        household.village_id,
        getattr(household.village, "parent_id", None) if household.village_id else None,
    )


def _mark_met(bureau, households, on) -> None:
    """零距离 counts face-to-face contact: a visit at the client's place or a meeting in their village
    (a phone call is not). One row per household and month (sanwen.fieldwork.models.VisitedMonth)."""
    VisitedMonth.objects.bulk_create(
        [VisitedMonth(household=h, bureau=bureau, month=month_start(on)) for h in households],
        ignore_conflicts=True,
    )


# The visit is the contact with the client about the items raised on it: face to face (at the
# client's place) is 上门办's on-site visit.
VISIT_CONTACT = {
    Channel.FACE: ContactKind.ON_SITE,
    Channel.PHONE: ContactKind.PHONE,
    Channel.AT_BUREAU: ContactKind.AT_BUREAU,
}


def _raise_items(*, bureau, by, items: list[dict], on, source: str, visit=None, meeting=None) -> list:
    cases = []
    for item in items:
        ask, concern = ITEM_KINDS[item["kind"]]
        cases.append(
            case_register(
                bureau=bureau,
                by=by,
                description=item["text"],
                ask_kind=ask,
                concern_kind=concern,
                source=source,
                category=item.get("category"),
                household=item.get("household"),
                mode=item.get("mode"),
                raised_on=on,
                confidential=bool(item.get("confidential")),
                resolve_on_the_spot=(item.get("resolved") or "").strip(),
                visit=visit,
                meeting=meeting,
                contact=VISIT_CONTACT.get(visit.channel, "") if visit is not None else "",
            )
        )
    return cases


@transaction.atomic
def _count_visit_day(bureau, on, households: int) -> None:
    """Add one visit and its 户次 to the bureau's count of the day (safe under concurrent visits)."""
    day = VisitDay.objects.filter(bureau=bureau, on=on)
    if day.update(visits=F("visits") + 1, household_visits=F("household_visits") + households):
        return
    try:
        with transaction.atomic():
            VisitDay.objects.create(bureau=bureau, on=on, visits=1, household_visits=households)
    except IntegrityError:  # created by a concurrent visit meanwhile
        day.update(visits=F("visits") + 1, household_visits=F("household_visits") + households)


def visit_record(
    *,
    bureau,
    by,
    on: datetime.date,
    diary: str,
    households: Iterable,
    staff: Iterable = (),
    channel: str = Channel.FACE,
    vehicles: Iterable = (),
    roles: Iterable = (),
    photos: Iterable = (),
    latitude=None,
    longitude=None,
    accuracy=None,
    items: Iterable[dict] = (),
    note: str = "",
) -> Visit:
    """走访. Each household is one 户次; a face-to-face visit is a field day for each staff member;
    items raised become cases (or suggestions) in the same transaction."""
    _require(by, Cap.RECORD_FIELDWORK)
    errors: dict[str, list] = {}
    staff = list(staff) or [by]
    if by not in staff and not all(_may_record_for(by, p) for p in staff):
        raise PermissionDenied(_("You may record field days for yourself and your department only."))
    staff = _check_people(bureau, staff, errors)
    households = _check_households(bureau, households, errors, required=True)
    diary = (diary or "").strip()
    if not diary:
        errors["diary"] = [_("Write the sentiment diary: what you saw and heard.")]
    if channel not in Channel.values:
        errors["channel"] = [_("Choose how the visit took place.")]
    _check_date(on, errors)
    campaign = _campaign(bureau, on, errors) if on and "on" not in errors else None
    vehicles, roles = _check_terms(campaign, vehicles, roles, errors)
    lat = _coordinate(latitude, 90, errors, "latitude")
    lng = _coordinate(longitude, 180, errors, "longitude")
    photos = list(photos or ())
    if len(photos) > MAX_PHOTOS:
        errors["photos"] = [_("At most %(n)d photos.") % {"n": MAX_PHOTOS}]
    cleaned_photos = []
    for upload in photos[:MAX_PHOTOS]:
        try:
            cleaned_photos.append(clean_photo(upload))
        except ValidationError as exc:
            errors.setdefault("photos", []).extend(exc.messages)
    items = _check_items(items, households, campaign, errors, by)
    if errors:
        raise ValidationError(errors)
    village = next((h.village for h in households if h.village_id), None)
    visit = Visit.objects.create(
        bureau=bureau,
        campaign=campaign,
        on=on,
        channel=channel,
        diary=diary,
        village=village,
        latitude=lat if lng is not None else None,
        longitude=lng if lat is not None else None,
        accuracy=accuracy_metres(accuracy) if lat is not None else None,
        recorded_by=by,
    )
    VisitStaff.objects.bulk_create(VisitStaff(visit=visit, staff=p, on=on) for p in staff)
    VisitHousehold.objects.bulk_create(
        VisitHousehold(visit=visit, household=h, bureau=bureau, on=on) for h in households
    )
    if channel == Channel.FACE:
        _mark_met(bureau, households, on)
    _count_visit_day(bureau, on, len(households))
    visit.vehicles.set(vehicles)
    visit.roles.set(roles)
    if channel == Channel.FACE:
        names = "、".join(h.name for h in households[:5])
        _mark_field_days(
            bureau=bureau,
            staff=staff,
            on=on,
            village=village,
            activity=_("Visited %(names)s") % {"names": names},
            source=FieldDaySource.VISIT,
        )
    _raise_items(bureau=bureau, by=by, items=items, on=on, source=Source.VISIT, visit=visit)
    audit_create(by=by, obj=visit, note=note)
    for content in cleaned_photos:
        photo = VisitPhoto(visit=visit)
        photo.image.save(content.name, content, save=True)
    return visit


# --- meetings -----------------------------------------------------------------------------


@transaction.atomic
def meeting_record(
    *,
    bureau,
    by,
    kind: str,
    title: str,
    on: datetime.date,
    place: str,
    minutes: str,
    village=None,
    decisions: str = "",
    staff: Iterable = (),
    households: Iterable = (),
    other_attendees: int = 0,
    vehicles: Iterable = (),
    items: Iterable[dict] = (),
    note: str = "",
) -> Meeting:
    """会议. A meeting held in a village is a field day for the staff who attended."""
    _require(by, Cap.RECORD_FIELDWORK)
    errors: dict[str, list] = {}
    title, place, minutes = clean_spaces(title), clean_spaces(place), (minutes or "").strip()
    if kind not in MeetingKind.values:
        errors["kind"] = [_("Choose the kind of meeting.")]
    if not title:
        errors["title"] = [_("Give the meeting a title.")]
    if not place:
        errors["place"] = [_("Say where the meeting took place.")]
    if not minutes:
        errors["minutes"] = [_("Write the minutes.")]
    if other_attendees is None or other_attendees < 0:
        errors["other_attendees"] = [_("Give a number of zero or more.")]
    staff = _check_people(bureau, list(staff) or [by], errors)
    households = _check_households(bureau, households, errors, required=False)
    _check_date(on, errors)
    campaign = _campaign(bureau, on, errors) if on and "on" not in errors else None
    vehicles, _roles = _check_terms(campaign, vehicles, (), errors)
    items = _check_items(items, households, campaign, errors, by)
    if errors:
        raise ValidationError(errors)
    meeting = Meeting.objects.create(
        bureau=bureau,
        campaign=campaign,
        kind=kind,
        title=title[:100],
        on=on,
        village=village,
        place=place[:100],
        other_attendees=other_attendees or 0,
        minutes=minutes,
        decisions=(decisions or "").strip(),
        recorded_by=by,
    )
    meeting.staff.set(staff)
    meeting.households.set(households)
    meeting.vehicles.set(vehicles)
    if village is not None:
        _mark_met(bureau, [h for h in households if met_in_village(h, village)], on)
        _mark_field_days(
            bureau=bureau, staff=staff, on=on, village=village, activity=title, source=FieldDaySource.MEETING
        )
    _raise_items(bureau=bureau, by=by, items=items, on=on, source=Source.MEETING, meeting=meeting)
    audit_create(by=by, obj=meeting, note=note)
    return meeting


# --- research -----------------------------------------------------------------------------


@transaction.atomic
def research_start(*, bureau, by, topic: str, started_on, contact_point=None, staff=None) -> Research:
    _require(by, Cap.RECORD_FIELDWORK)
    staff = staff or by
    errors: dict[str, list] = {}
    topic = clean_spaces(topic)
    if not topic:
        errors["topic"] = [_("Name the topic.")]
    _check_date(started_on, errors, "started_on")
    if not _may_record_for(by, staff):
        raise PermissionDenied(_("You may record field days for yourself and your department only."))
    if contact_point is not None and contact_point.bureau_id != bureau.pk:
        errors["contact_point"] = [_("This contact point belongs to another bureau.")]
    campaign = _campaign(bureau, started_on, errors, "started_on") if started_on and not errors else None
    if errors:
        raise ValidationError(errors)
    research = Research.objects.create(
        bureau=bureau,
        campaign=campaign,
        staff=staff,
        contact_point=contact_point,
        topic=topic[:100],
        started_on=started_on,
    )
    audit_create(by=by, obj=research)
    return research


@transaction.atomic
def research_update(
    *,
    research: Research,
    by,
    findings: str | None = None,
    visits: Iterable | None = None,
    meetings: Iterable | None = None,
    report=None,
    reported_on=None,
    version: int | None = None,
) -> Research:
    """Link the visits and meetings that fed the topic; attach the report when it is written.
    `version`: the one the form was opened at; a topic changed since is refused (stale form)."""
    research = Research.objects.select_for_update().get(pk=research.pk)
    if not (_may_record_for(by, research.staff) and has_cap(by, Cap.RECORD_FIELDWORK)):
        raise PermissionDenied
    errors: dict[str, list] = {}
    if visits is not None and any(v.bureau_id != research.bureau_id for v in visits):
        errors["visits"] = [_("Every visit must be one of the bureau's.")]
    if meetings is not None and any(m.bureau_id != research.bureau_id for m in meetings):
        errors["meetings"] = [_("Every meeting must be one of the bureau's.")]
    if report is not None:
        name = (getattr(report, "name", "") or "").lower()
        if not name.endswith(REPORT_EXTENSIONS):
            errors["report"] = [_("Attach the report as a Word, WPS, PDF or text file.")]
        elif report.size > MAX_REPORT_BYTES:
            errors["report"] = [_("The report is larger than 20 MB.")]
        if not reported_on:
            reported_on = _today()
    if reported_on is not None and (reported_on < research.started_on or reported_on > _today()):
        errors["reported_on"] = [_("The report must be dated between the start and today.")]
    if errors:
        raise ValidationError(errors)
    version_claim(research, version)
    before = snapshot(research)
    if findings is not None:
        research.findings = findings.strip()
    if reported_on is not None:
        research.reported_on = reported_on
    if report is not None:
        research.report.save(report.name.rsplit("/", 1)[-1][:80], report, save=False)
    research.save()
    if visits is not None:
        research.visits.set(visits)
    if meetings is not None:
        research.meetings.set(meetings)
    audit_update(by=by, obj=research, before=before)
    return research


# --- ledger books and notebooks -----------------------------------------------------------


@transaction.atomic
def ledger_open(
    *, bureau, by, scope: str, opened_on, keeper=None, contact_point=None, village=None, staff=None, title=""
) -> LedgerBook:
    """建立民情台账 for a contact point, a village or a staff member, once per campaign."""
    _require(by, Cap.RECORD_FIELDWORK)
    errors: dict[str, list] = {}
    keeper = keeper or by
    _check_date(opened_on, errors, "opened_on")
    campaign = _campaign(bureau, opened_on, errors, "opened_on") if opened_on and not errors else None
    subject = {
        LedgerScope.CONTACT_POINT: contact_point,
        LedgerScope.VILLAGE: village,
        LedgerScope.STAFF: staff,
    }
    if scope not in subject:
        errors["scope"] = [_("Choose what the book is kept for.")]
    elif subject[scope] is None:
        errors[scope] = [_("Choose the %(what)s the book is kept for.") % {"what": LedgerScope(scope).label}]
    else:
        target = subject[scope]
        if scope != LedgerScope.VILLAGE and target.bureau_id != bureau.pk:
            errors[scope] = [_("It belongs to another bureau.")]
        elif (
            campaign is not None and LedgerBook.objects.filter(campaign=campaign, **{scope: target}).exists()
        ):
            errors[scope] = [_("A ledger book is already kept for it in this campaign.")]
    if keeper.bureau_id != bureau.pk:
        errors["keeper"] = [_("Every staff member must be an active member of the bureau.")]
    if errors:
        raise ValidationError(errors)
    if not clean_spaces(title):
        target = subject[scope]
        name = (
            target.village.name
            if scope == LedgerScope.CONTACT_POINT
            else getattr(target, "name", str(target))
        )
        title = _("%(name)s ledger book") % {"name": name}
    book = LedgerBook.objects.create(
        bureau=bureau,
        campaign=campaign,
        scope=scope,
        contact_point=contact_point if scope == LedgerScope.CONTACT_POINT else None,
        village=village if scope == LedgerScope.VILLAGE else None,
        staff=staff if scope == LedgerScope.STAFF else None,
        title=clean_spaces(title)[:100],
        keeper=keeper,
        opened_on=opened_on,
    )
    audit_create(by=by, obj=book)
    return book


@transaction.atomic
def notebook_review(*, by, staff, month: datetime.date, remark: str) -> NotebookReview:
    """A leader's or the person's department head's remark on a month of their notebook."""
    _require(by, Cap.REVIEW_NOTEBOOKS)
    if staff.bureau_id != by.bureau_id or staff.pk == by.pk:
        raise PermissionDenied
    if by.role == Role.DEPT_HEAD and by.department_id != staff.department_id:
        raise PermissionDenied(_("Department heads review their own department's notebooks."))
    remark = (remark or "").strip()
    if not remark:
        raise ValidationError({"remark": [_("Write the remark.")]})
    month = month_start(month)
    if month > _today():
        raise ValidationError({"remark": [_("The month has not begun yet.")]})
    review = NotebookReview.objects.create(
        bureau_id=staff.bureau_id, staff=staff, month=month, reviewer=by, remark=remark
    )
    audit_create(by=by, obj=review)
    return review
