"""Cases: registration to archive. Every step is a service with its guards; every step lands on the
case's timeline and in the audit trail, in one transaction."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.campaigns.models import Campaign, ClosingRule, DeadlineKind, HandlingMode
from sanwen.cases.models import (
    OPEN_STATES,
    AskKind,
    Batch,
    Case,
    CaseContact,
    CaseCounter,
    CaseEvent,
    CasePartner,
    CasePhoto,
    ConcernKind,
    ContactKind,
    Deed,
    Evaluation,
    EventKind,
    Extension,
    ExtensionState,
    FollowUp,
    Partner,
    ReturnVisit,
    Satisfaction,
    Source,
    State,
    restamp,
)
from sanwen.core.access import Cap, Role, has_cap
from sanwen.core.audit import audit_create, audit_update, snapshot
from sanwen.core.calendar import UnknownYear, WorkingCalendar
from sanwen.core.codes import new_code
from sanwen.core.models import Notification, NotificationKind
from sanwen.core.photos import clean_photo
from sanwen.core.text import clean_spaces, validate_mobile
from sanwen.org.models import Rank, Staff

AUDITED = [
    f.name for f in Case._meta.concrete_fields if f.name not in ("created_at", "updated_at", "version")
]


class CaseConflict(Exception):
    """Someone else changed the case since the form was opened."""


# --- small helpers ------------------------------------------------------------------------


def _today() -> datetime.date:
    return timezone.localdate()


def _at(on: datetime.date | None) -> datetime.datetime:
    """A timestamp for a step: now, or nine in the morning of a past day (the demo, back-entry)."""
    if on is None or on == _today():
        return timezone.now()
    return timezone.make_aware(datetime.datetime.combine(on, datetime.time(9, 0)))


def _event(
    case: Case, by, kind: str, text: str = "", *, public: bool = False, on=None, due_on=None
) -> CaseEvent:
    at = _at(on)
    event = CaseEvent.objects.create(
        case=case,
        bureau_id=case.bureau_id,  # as the triggers would set it, without their second write
        by=by if getattr(by, "pk", None) else None,
        kind=kind,
        text=text,
        public=public,
        at=at,
        on=timezone.localdate(at),
        deadline=case.deadline,
        due_on=due_on,
    )
    # The case's latest step and whether it stood open after each (a back-dated step may fall between).
    restamp(case.pk)
    return event


def _lock(case: Case, expected_version: int | None) -> Case:
    fresh = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise CaseConflict(
            _(
                "Someone else changed this case while you were working on it (it is now “%(state)s”). "
                "Nothing of yours was saved: your entry is kept below; check the case and submit again."
            )
            % {"state": fresh.get_state_display()}
        )
    return fresh


def _save(case: Case, before: dict, by, note: str = "") -> None:
    case.version += 1
    case.save()
    audit_update(by=by, obj=case, before=before, note=note)


def _require_state(case: Case, allowed: Iterable[str], action: str) -> None:
    if case.state not in allowed:
        raise ValidationError(
            _("A case that is “%(state)s” cannot be %(action)s.")
            % {"state": case.get_state_display(), "action": action}
        )


def _is_senior(user) -> bool:
    return getattr(user, "rank", None) in (Rank.LEADER, Rank.DEPT_HEAD) or getattr(user, "role", None) in (
        Role.LEADER,
        Role.DEPT_HEAD,
    )


def _require_handler(case: Case, by) -> None:
    """The owner, or someone who dispatches cases, may work on a case."""
    if by is None:
        return  # system and demo steps
    if case.bureau_id != by.bureau_id and not by.is_superuser:
        raise PermissionDenied
    if has_cap(by, Cap.DISPATCH_CASES) or (case.owner_id == by.pk and has_cap(by, Cap.HANDLE_CASES)):
        return
    raise PermissionDenied(_("Only the case's owner, a department head or a leader may do this."))


def _require_cap(by, cap: str) -> None:
    if by is not None and not has_cap(by, cap):
        raise PermissionDenied


def _notify(recipients: Iterable, kind: str, case: Case | None, key: str, text: str) -> None:
    Notification.objects.bulk_create(
        [
            Notification(recipient_id=getattr(r, "pk", r), kind=kind, case=case, key=key, text=text[:300])
            for r in {getattr(r, "pk", r) for r in recipients if r}
        ],
        ignore_conflicts=True,
    )


def leaders_of(bureau_id: int):
    return Staff.objects.filter(bureau_id=bureau_id, role=Role.LEADER, is_active=True)


def heads_of(department_id: int | None):
    return Staff.objects.filter(department_id=department_id, role=Role.DEPT_HEAD, is_active=True)


# --- numbers and time limits --------------------------------------------------------------


def _new_tracking_code() -> str:
    """A random code no case has (a clash is one in billions; the unique index is the last guard)."""
    while True:
        code = new_code()
        if not Case.objects.filter(tracking_code=code).exists():
            return code


def _next_sequence(bureau, year: int) -> int:
    for _attempt in range(3):
        try:
            with transaction.atomic():
                counter, _created = CaseCounter.objects.get_or_create(bureau=bureau, year=year)
            break
        except IntegrityError:  # created by a concurrent registration: read it again
            continue
    CaseCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    return CaseCounter.objects.values_list("last", flat=True).get(pk=counter.pk)


def set_time_limit(
    case: Case,
    calendar: WorkingCalendar,
    *,
    explicit: datetime.date | None = None,
    on: datetime.date | None = None,
) -> None:
    """Compute the case's time limit from its mode (and batch, or an explicit deadline), with the
    reminder and supervision days. A limit that reaches an unknown year is left pending, with why."""
    mode = case.mode
    try:
        case.limit_from = case.limit_days = None
        if mode.deadline_kind == DeadlineKind.EXPLICIT:
            deadline = explicit or case.deadline
            if deadline is None:
                raise ValidationError(
                    {
                        "deadline": [
                            _("The handling mode “%(mode)s” needs an explicit deadline.")
                            % {"mode": mode.name}
                        ]
                    }
                )
            if deadline <= case.raised_on:
                raise ValidationError(
                    {"deadline": [_("The deadline must be after the day the case was raised.")]}
                )
            if not calendar.is_workday(deadline):
                raise ValidationError(
                    {
                        "deadline": [
                            _("%(day)s is not a working day; choose a working day.") % {"day": deadline}
                        ]
                    }
                )
        elif mode.deadline_kind == DeadlineKind.BATCH and case.batch_id:
            deadline = case.batch.deadline
        else:
            case.limit_from, case.limit_days = case.raised_on, mode.time_limit_days or 1
            deadline = calendar.add_working_days(case.limit_from, case.limit_days)
        case.deadline = deadline
        _set_clock_days(case, calendar, on=on or case.raised_on)
        case.deadline_pending = ""
    except UnknownYear as exc:
        case.deadline = case.remind_on = case.escalate_on = case.escalate_leader_on = None
        case.deadline_pending = str(exc)


def reopen_limit_days(case: Case, calendar: WorkingCalendar) -> int:
    """The working days a reopened case gets (重办 starts a fresh limit under its mode): the mode's
    days; for an explicit deadline, as many working days as the limit it was accepted with (at least
    one); for a batch, the mode's default batch limit (the batch's own deadline has passed)."""
    mode = case.mode
    if mode.deadline_kind != DeadlineKind.EXPLICIT and mode.time_limit_days:
        return mode.time_limit_days
    start = case.accepted_on or case.raised_on
    first = (
        case.events.filter(kind=EventKind.ACCEPTED, deadline__isnull=False)
        .order_by("at", "id")
        .values_list("deadline", flat=True)
        .first()
    ) or case.deadline
    try:
        span = calendar.working_days_between(start, first) if first else 0
    except UnknownYear:
        span = 0
    return max(span, mode.time_limit_days or 1, 1)


def _set_reopened_limit(case: Case, calendar: WorkingCalendar, *, on: datetime.date) -> None:
    """A fresh limit of `reopen_limit_days` working days from the reopening day, whatever the mode."""
    case.limit_from, case.limit_days = on, reopen_limit_days(case, calendar)
    try:
        case.deadline = calendar.add_working_days(on, case.limit_days)
        _set_clock_days(case, calendar, on=on, start=on)
        case.deadline_pending = ""
    except UnknownYear as exc:
        case.deadline = case.remind_on = case.escalate_on = case.escalate_leader_on = None
        case.deadline_pending = str(exc)


def _set_clock_days(
    case: Case, calendar: WorkingCalendar, *, on: datetime.date, start: datetime.date | None = None
) -> None:
    """The reminder (the working day before the limit) and the supervision days (the working day
    after it, and two working days later). The limit itself is known; a following year that is
    not entered yet only makes these reminder days count Monday to Friday (counted again when the
    year is entered: `case_recompute_calendar_dates`).

    A day already past on the day of the step (`on`: a late acceptance, a back-dated entry) is
    moved to the first working day from then, so the clock's next pass acts on it; a reminder after
    the limit is dropped."""
    deadline = case.deadline
    start = start or case.raised_on
    remind = calendar.previous_working_day(deadline) if deadline > start else deadline
    case.remind_on = _not_before(remind, on, calendar) if deadline >= on else None
    if case.remind_on is not None and case.remind_on > deadline:
        case.remind_on = None
    case.escalate_on = _not_before(calendar.add_working_days_or_weekdays(deadline, 1), on, calendar)
    case.escalate_leader_on = _not_before(
        calendar.add_working_days_or_weekdays(case.escalate_on, 2), on, calendar
    )


def _not_before(day: datetime.date, on: datetime.date, calendar: WorkingCalendar) -> datetime.date:
    """`day`, or when it is already past on `on`, the first working day from `on`."""
    if day >= on:
        return day
    return calendar.working_day_from(on)


# --- registration -------------------------------------------------------------------------


@transaction.atomic
def case_register(
    *,
    bureau,
    by,
    description: str,
    ask_kind: str,
    source: str,
    title: str = "",
    mode: HandlingMode | None = None,
    concern_kind: str = "",
    category=None,
    household=None,
    contact_name: str = "",
    contact_phone: str = "",
    township=None,
    village=None,
    confidential: bool = False,
    public: bool = False,
    raised_on: datetime.date | None = None,
    deadline: datetime.date | None = None,
    owner=None,
    resolve_on_the_spot: str = "",
    visit=None,
    meeting=None,
    via_card_of=None,
    photos: Iterable = (),
    contact: str = "",
) -> Case:
    """登记. With `resolve_on_the_spot` (a 立即办 case settled during the visit) it is accepted and
    resolved at once by the person who registered it. `by` is None for the public portal, where
    `via_card_of` is the staff member whose visit card brought the client: the case goes to their
    department and counts as their contact. Every case gets a tracking code for the portal.
    `contact` is the kind of contact the registration itself was (a case raised during a
    face-to-face visit at the client's place: ContactKind.ON_SITE, which satisfies 上门办's rule): it
    is recorded among the case's contacts with the client."""
    _require_cap(by, Cap.HANDLE_CASES)
    raised_on = raised_on or _today()
    errors: dict[str, list] = {}
    cleaned_photos = []
    for photo in photos:
        try:
            cleaned_photos.append(clean_photo(photo))
        except ValidationError as exc:
            errors.setdefault("photo", []).extend(exc.messages)
    if via_card_of is not None and via_card_of.bureau_id != bureau.pk:
        errors["via_card_of"] = [_("This visit card belongs to another bureau.")]
    description = (description or "").strip()
    if not description:
        errors["description"] = [_("Write down what the client said.")]
    if ask_kind not in AskKind.values:
        errors["ask_kind"] = [_("Choose opinion, need or suggestion.")]
    if concern_kind and concern_kind not in ConcernKind.values:
        errors["concern_kind"] = [_("Choose worry, grievance or difficulty.")]
    if source not in Source.values:
        errors["source"] = [_("Choose where the case came from.")]
    if contact and contact not in ContactKind.values:
        errors["contact"] = [_("Choose how the client was contacted.")]
    if contact_phone:
        try:
            contact_phone = validate_mobile(contact_phone)
        except ValidationError as exc:
            errors["contact_phone"] = exc.messages
    if household is not None and household.bureau_id != bureau.pk:
        errors["household"] = [_("This client belongs to another bureau.")]
    if raised_on > _today():
        errors["raised_on"] = [_("A case cannot be raised in the future.")]
    campaign = Campaign.objects.current(bureau, raised_on)
    if campaign is None:
        errors["raised_on"] = [_("No campaign of the bureau runs on %(day)s.") % {"day": raised_on}]
    if errors:
        raise ValidationError(errors)
    mode = mode or HandlingMode.objects.get(campaign=campaign, code="immediate")
    if mode.campaign_id != campaign.pk:
        raise ValidationError({"mode": [_("This handling mode belongs to another campaign.")]})
    if category is not None and category.campaign_id != campaign.pk:
        raise ValidationError({"category": [_("This category belongs to another campaign.")]})
    if household is not None:
        township = township or household.township
        village = village or household.village
    case = Case(
        bureau=bureau,
        campaign=campaign,
        year=raised_on.year,
        sequence=_next_sequence(bureau, raised_on.year),
        title=clean_spaces(title)[:100] or clean_spaces(description)[:30],
        description=description,
        ask_kind=ask_kind,
        concern_kind=concern_kind,
        source=source,
        category=category,
        household=household,
        contact_name=clean_spaces(contact_name),
        contact_phone=contact_phone,
        township=township,
        village=village,
        confidential=confidential,
        public=public or mode.closing_rule == ClosingRule.PUBLIC_BOARD,
        mode=mode,
        raised_by=by,
        raised_on=raised_on,
        visit=visit,
        meeting=meeting,
        via_card_of=via_card_of,
        department_id=via_card_of.department_id if via_card_of is not None else None,
        tracking_code=_new_tracking_code(),
    )
    calendar = WorkingCalendar.load()
    if mode.deadline_kind != DeadlineKind.EXPLICIT or deadline:
        set_time_limit(case, calendar, explicit=deadline)
    try:
        case.accept_due = calendar.add_working_days(raised_on, 1)
    except UnknownYear:
        case.accept_due = None  # not judged until the year is known
    if contact:
        case.first_contact_on = raised_on
        if contact == ContactKind.ON_SITE:
            case.on_site_visit_on = raised_on
    case.save()
    audit_create(by=by, obj=case)
    _event(case, by, EventKind.REGISTERED, case.get_source_display(), on=raised_on)
    if contact:
        note = _("Raised during this contact") if visit is None else _("Raised during the visit")
        CaseContact.objects.create(
            case=case, kind=contact, on=raised_on, by=by if getattr(by, "pk", None) else None, note=note
        )
        _event(case, by, EventKind.CONTACT, f"{ContactKind(contact).label} {note}", on=raised_on)
    for photo in cleaned_photos:
        CasePhoto.objects.create(case=case, image=photo)
    if source == Source.PORTAL:
        if via_card_of is not None:
            recipients = [via_card_of, *heads_of(via_card_of.department_id)]
        else:
            recipients = list(leaders_of(bureau.pk))
        _notify(
            recipients,
            NotificationKind.PORTAL_ITEM,
            case,
            f"portal:{case.pk}",
            _("%(number)s raised on the public portal: %(title)s")
            % {"number": case.number, "title": case.title},
        )
    if case.deadline_pending:
        _event(case, None, EventKind.TIME_LIMIT, case.deadline_pending, on=raised_on)
    if resolve_on_the_spot:
        if not mode.resolvable_on_the_spot:
            raise ValidationError({"mode": [_("Only a mode that allows it may be resolved on the spot.")]})
        case = case_accept(case=case, by=by, on=raised_on)
        case = case_assign(case=case, by=by, owner=owner or by, on=raised_on, notify=False)
        case = case_resolve(case=case, by=by, resolution=resolve_on_the_spot, on=raised_on, on_the_spot=True)
    return case


# --- dispatch -----------------------------------------------------------------------------


@transaction.atomic
def case_accept(
    *,
    case: Case,
    by,
    mode: HandlingMode | None = None,
    deadline: datetime.date | None = None,
    on: datetime.date | None = None,
    expected_version: int | None = None,
) -> Case:
    """受理: the mode is confirmed (or changed) and the time limit set."""
    case = _lock(case, expected_version)
    if by is not None and not (has_cap(by, Cap.DISPATCH_CASES) or case.raised_by_id == by.pk):
        raise PermissionDenied(_("Only a department head or a leader may accept cases."))
    _require_state(case, [State.REGISTERED], _("accepted"))
    before = snapshot(case, AUDITED)
    if mode is not None:
        if mode.campaign_id != case.campaign_id:
            raise ValidationError({"mode": [_("This handling mode belongs to another campaign.")]})
        case.mode = mode
    case.public = case.public or case.mode.closing_rule == ClosingRule.PUBLIC_BOARD
    on = on or _today()
    set_time_limit(case, WorkingCalendar.load(), explicit=deadline, on=on)
    case.state = State.ACCEPTED
    case.accepted_on = on
    _save(case, before, by)
    text = case.mode.name + (
        f" · {_('time limit')} {case.deadline}" if case.deadline else f" · {case.deadline_pending}"
    )
    _event(case, by, EventKind.ACCEPTED, text, on=on)
    return case


@transaction.atomic
def case_decline(*, case: Case, by, reason: str, on=None, expected_version: int | None = None) -> Case:
    case = _lock(case, expected_version)
    _require_cap(by, Cap.DISPATCH_CASES)
    _require_state(case, [State.REGISTERED], _("declined"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [_("Give the reason for declining; the client will be told.")]})
    before = snapshot(case, AUDITED)
    case.state, case.decline_reason = State.DECLINED, reason
    _save(case, before, by)
    _event(case, by, EventKind.DECLINED, reason, on=on)
    return case


@transaction.atomic
def case_assign(
    *,
    case: Case,
    by,
    owner,
    department=None,
    on=None,
    expected_version: int | None = None,
    notify: bool = True,
) -> Case:
    """交办: give the case an owner (and department)."""
    case = _lock(case, expected_version)
    if by is not None and not (
        has_cap(by, Cap.DISPATCH_CASES) or (owner == by and case.raised_by_id == by.pk)
    ):
        raise PermissionDenied(_("Only a department head or a leader may assign cases."))
    _require_state(case, [State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS], _("assigned"))
    if owner.bureau_id != case.bureau_id or not owner.is_active:
        raise ValidationError({"owner": [_("The owner must be an active member of the bureau.")]})
    before = snapshot(case, AUDITED)
    case.owner = owner
    case.department = department or owner.department
    if case.state == State.ACCEPTED:
        case.state = State.ASSIGNED
    _save(case, before, by)
    _event(
        case,
        by,
        EventKind.ASSIGNED,
        f"{owner.name}" + (f" · {case.department}" if case.department else ""),
        on=on,
    )
    if notify and owner != by:
        _notify(
            [owner],
            NotificationKind.ASSIGNED,
            case,
            f"assigned:{case.pk}:{case.version}",
            _("Case %(number)s was assigned to you: %(title)s")
            % {"number": case.number, "title": case.title},
        )
    return case


@transaction.atomic
def case_start(*, case: Case, by, on=None, expected_version: int | None = None) -> Case:
    case = _lock(case, expected_version)
    _require_handler(case, by)
    _require_state(case, [State.ASSIGNED], _("started"))
    before = snapshot(case, AUDITED)
    case.state = State.IN_PROGRESS
    _save(case, before, by)
    _event(case, by, EventKind.STARTED, on=on)
    return case


@transaction.atomic
def case_add_note(*, case: Case, by, text: str, public: bool = False, on=None) -> CaseEvent:
    """A progress note; public ones appear on the public board (公开办)."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_handler(case, by)
    if case.state in (State.DECLINED, State.ARCHIVED, State.MERGED):
        raise ValidationError(_("A closed case takes no more notes."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": [_("The note is empty.")]})
    if public and not case.public:
        raise ValidationError({"public": [_("Only a case on the public board has public progress notes.")]})
    return _event(case, by, EventKind.NOTE, text, public=public, on=on)


@transaction.atomic
def case_record_contact(
    *, case: Case, by, kind: str, on: datetime.date | None = None, note: str = ""
) -> CaseContact:
    """A contact with the client: the first one dates 主动办's first contact; an on-site one is 上门办's visit."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_handler(case, by)
    if kind not in ContactKind.values:
        raise ValidationError({"kind": [_("Choose how the client was contacted.")]})
    on = on or _today()
    if on < case.raised_on or on > _today():
        raise ValidationError(
            {"on": [_("The contact must be dated between the day the case was raised and today.")]}
        )
    contact = CaseContact.objects.create(
        case=case, kind=kind, on=on, by=by if getattr(by, "pk", None) else None, note=(note or "").strip()
    )
    before = snapshot(case, AUDITED)
    if case.first_contact_on is None or on < case.first_contact_on:
        case.first_contact_on = on
    if kind == ContactKind.ON_SITE and (case.on_site_visit_on is None or on < case.on_site_visit_on):
        case.on_site_visit_on = on
    _save(case, before, by)
    _event(case, by, EventKind.CONTACT, f"{contact.get_kind_display()} {note}".strip(), on=on)
    return contact


# --- extensions ---------------------------------------------------------------------------


@transaction.atomic
def extension_request(*, case: Case, by, until: datetime.date, reason: str, on=None) -> Extension:
    """An extension must be asked for before the limit runs out, with a reason; a leader decides."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_handler(case, by)
    _require_state(case, OPEN_STATES, _("extended"))
    on = on or _today()
    reason = (reason or "").strip()
    errors = {}
    if case.deadline is None:
        errors["until"] = [_("The case has no time limit yet.")]
    elif on > case.deadline:
        errors["until"] = [
            _("The time limit (%(day)s) has run out: an extension had to be asked for before it.")
            % {"day": case.deadline}
        ]
    elif until <= case.deadline:
        errors["until"] = [
            _("The new time limit must be after the current one (%(day)s).") % {"day": case.deadline}
        ]
    if not reason:
        errors["reason"] = [_("Give the reason for the extension.")]
    if case.extensions.filter(state=ExtensionState.PENDING).exists():
        errors["until"] = [_("An extension request is already waiting for a leader.")]
    if not errors:
        try:
            if not WorkingCalendar.load().is_workday(until):
                errors["until"] = [_("%(day)s is not a working day; choose a working day.") % {"day": until}]
        except UnknownYear as exc:
            errors["until"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    extension = Extension.objects.create(
        case=case, requested_by=by, requested_on=on, until=until, reason=reason
    )
    audit_create(by=by, obj=extension)
    _event(
        case,
        by,
        EventKind.EXTENSION_ASKED,
        _("to %(day)s: %(reason)s") % {"day": until, "reason": reason},
        on=on,
    )
    _notify(
        leaders_of(case.bureau_id),
        NotificationKind.EXTENSION_REQUEST,
        case,
        f"extension:{extension.pk}",
        _("Case %(number)s asks for an extension to %(day)s") % {"number": case.number, "day": until},
    )
    return extension


@transaction.atomic
def extension_decide(*, extension: Extension, by, approve: bool, note: str = "", on=None) -> Extension:
    if by is None or not has_cap(by, Cap.APPROVE_EXTENSIONS):
        raise PermissionDenied(_("Only a bureau leader decides on extensions."))
    extension = Extension.objects.select_for_update().get(pk=extension.pk)
    if extension.state != ExtensionState.PENDING:
        raise ValidationError(_("This extension has already been decided."))
    case = _lock(extension.case, None)
    if case.bureau_id != by.bureau_id:
        raise PermissionDenied
    on = on or _today()
    before_ext = snapshot(extension)
    extension.state = ExtensionState.APPROVED if approve else ExtensionState.REFUSED
    extension.decided_by, extension.decided_on, extension.decision_note = by, on, (note or "").strip()
    extension.save()
    audit_update(by=by, obj=extension, before=before_ext)
    if approve:
        before = snapshot(case, AUDITED)
        calendar = WorkingCalendar.load()
        case.deadline = extension.until
        case.limit_from = case.limit_days = None  # a chosen date, not counted in working days
        _set_clock_days(case, calendar, on=on, start=case.limit_from or case.raised_on)
        _save(case, before, by, note=_("Extension approved"))
        _event(
            case,
            by,
            EventKind.EXTENSION_APPROVED,
            f"{extension.until} {extension.decision_note}".strip(),
            on=on,
        )
    else:
        _event(case, by, EventKind.EXTENSION_REFUSED, extension.decision_note, on=on)
    _notify(
        [extension.requested_by],
        NotificationKind.EXTENSION_DECIDED,
        case,
        f"extension-decided:{extension.pk}",
        (_("Extension of case %(number)s approved") if approve else _("Extension of case %(number)s refused"))
        % {"number": case.number},
    )
    return extension


# --- partners and batches -----------------------------------------------------------------


@transaction.atomic
def partner_create(*, bureau, by, name: str, kind: str = "", contact: str = "") -> Partner:
    name = clean_spaces(name)
    if not name:
        raise ValidationError({"name": [_("The name is required.")]})
    partner, created = Partner.objects.get_or_create(
        bureau=bureau, name=name, defaults={"kind": kind, "contact": contact}
    )
    if created:
        audit_create(by=by, obj=partner)
    return partner


@transaction.atomic
def case_add_partner(*, case: Case, by, partner: Partner, contribution: str, on=None) -> CasePartner:
    case = Case.objects.select_for_update().get(pk=case.pk)
    _require_handler(case, by)
    if partner.bureau_id != case.bureau_id:
        raise ValidationError({"partner": [_("This partner belongs to another bureau.")]})
    contribution = (contribution or "").strip()
    if not contribution:
        raise ValidationError({"contribution": [_("Say what the partner did.")]})
    link = CasePartner.objects.filter(case=case, partner=partner).first()
    if link is None:
        link = CasePartner.objects.create(case=case, partner=partner, contribution=contribution)
        audit_create(by=by, obj=link)
    else:
        before = snapshot(link)
        link.contribution = contribution
        link.save()
        audit_update(by=by, obj=link, before=before)
    _event(case, by, EventKind.PARTNER, f"{partner.name}: {contribution}", on=on)
    return link


@transaction.atomic
def batch_create(*, bureau, by, title: str, deadline: datetime.date, owner, on=None) -> Batch:
    _require_cap(by, Cap.DISPATCH_CASES)
    campaign = Campaign.objects.current(bureau, on or _today())
    errors = {}
    if campaign is None:
        errors["title"] = [_("No campaign of the bureau is running.")]
    if not clean_spaces(title):
        errors["title"] = [_("The title is required.")]
    try:
        if not WorkingCalendar.load().is_workday(deadline):
            errors["deadline"] = [
                _("%(day)s is not a working day; choose a working day.") % {"day": deadline}
            ]
    except UnknownYear as exc:
        errors["deadline"] = [str(exc)]
    if errors:
        raise ValidationError(errors)
    batch = Batch.objects.create(
        bureau=bureau, campaign=campaign, title=clean_spaces(title), deadline=deadline, owner=owner
    )
    audit_create(by=by, obj=batch)
    return batch


@transaction.atomic
def batch_add_case(*, batch: Batch, case: Case, by, on=None) -> Case:
    case = _lock(case, None)
    _require_cap(by, Cap.DISPATCH_CASES)
    if case.bureau_id != batch.bureau_id:
        raise ValidationError(_("The case and the batch belong to different bureaus."))
    if batch.resolved_on:
        raise ValidationError(_("This batch is already resolved."))
    _require_state(case, OPEN_STATES, _("added to a batch"))
    before = snapshot(case, AUDITED)
    case.batch = batch
    if case.mode.deadline_kind == DeadlineKind.BATCH and case.state != State.REGISTERED:
        set_time_limit(case, WorkingCalendar.load(), on=on or _today())
    _save(case, before, by)
    _event(case, by, EventKind.BATCH, f"{batch.title} · {batch.deadline}", on=on)
    return case


@transaction.atomic
def batch_resolve(*, batch: Batch, by, outcome: str, on=None) -> list[Case]:
    """Resolve every open case of the batch together with one outcome — all of them or none."""
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    if not (outcome or "").strip():
        raise ValidationError({"outcome": [_("Describe the outcome.")]})
    cases = list(batch.cases.filter(state__in=OPEN_STATES).order_by("pk"))
    if not cases:
        raise ValidationError(_("The batch has no open case."))
    problems, resolved = [], []
    for case in cases:
        try:
            resolved.append(case_resolve(case=case, by=by, resolution=outcome, on=on))
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc) or _("not allowed")]
            problems.append(f"{case.number}: {'; '.join(messages)}")
    if problems:
        raise ValidationError([_("Nothing was resolved:")] + problems)
    batch.outcome, batch.resolved_on = outcome.strip(), on or _today()
    batch.save(update_fields=["outcome", "resolved_on", "updated_at"])
    return resolved


# --- resolving and after ------------------------------------------------------------------


def closing_problems(case: Case, *, calendar: WorkingCalendar | None = None) -> list[str]:
    """What the case's handling mode still requires before it may be resolved (SPEC §4)."""
    rule = case.mode.closing_rule
    problems = []
    if rule == ClosingRule.IN_BATCH and not case.batch_id:
        problems.append(_("It must belong to a batch of similar cases (集中办)."))
    elif rule == ClosingRule.SENIOR_OWNER_FIRST_CONTACT:
        if case.owner is None or not _is_senior(case.owner):
            problems.append(_("Its owner must be a leader or a department head (主动办)."))
        if case.first_contact_on is None:
            problems.append(
                _("No contact with the client is recorded (主动办 needs one within %(n)d working days).")
                % {"n": case.mode.first_contact_days}
            )
        else:
            calendar = calendar or WorkingCalendar.load()
            start = case.accepted_on or case.raised_on
            if calendar.working_days_between(start, case.first_contact_on) > case.mode.first_contact_days:
                problems.append(
                    _("The first contact (%(day)s) came later than %(n)d working days after acceptance.")
                    % {"day": case.first_contact_on, "n": case.mode.first_contact_days}
                )
    elif rule == ClosingRule.EXTENSION_APPROVED:
        if case.deadline is None:
            problems.append(_("It has no explicit deadline (限期办)."))
        if case.extensions.filter(state=ExtensionState.PENDING).exists():
            problems.append(_("An extension request is still waiting for a leader's decision."))
    elif rule == ClosingRule.ONSITE_VISIT and case.on_site_visit_on is None:
        problems.append(
            _(
                "No visit at the client's place is recorded (上门办). Record it on this case under "
                "“More” → “Contact with the client”, kind “Visit at the client's place”; it then shows "
                "under “contacts with the client”. A case raised during a face-to-face visit has it already."
            )
        )
    elif rule == ClosingRule.PARTNER and not case.casepartner_set.exists():
        problems.append(_("No partner organisation is recorded (多方合作办)."))
    elif rule == ClosingRule.PUBLIC_BOARD:
        if not case.public:
            problems.append(_("It is not on the public board (公开办)."))
        if not case.events.filter(public=True).exists():
            problems.append(_("No public progress note has been published (公开办)."))
    return problems


@transaction.atomic
def case_resolve(
    *,
    case: Case,
    by,
    resolution: str,
    evaluation: str = "",
    evaluation_reason: str = "",
    on=None,
    on_the_spot: bool = False,
    expected_version: int | None = None,
) -> Case:
    """办结: the mode's rule is checked; a suggestion must be evaluated with a reason."""
    case = _lock(case, expected_version)
    _require_handler(case, by)
    _require_state(case, [State.ASSIGNED, State.IN_PROGRESS], _("resolved"))
    on = on or _today()
    errors: dict[str, list] = {}
    resolution = (resolution or "").strip()
    if not resolution:
        errors["resolution"] = [_("Describe the result for the client.")]
    if case.ask_kind == AskKind.SUGGESTION:
        if evaluation not in Evaluation.values:
            errors["evaluation"] = [
                _("A suggestion must be evaluated: adopted, partly adopted or not adopted.")
            ]
        if not (evaluation_reason or "").strip():
            errors["evaluation_reason"] = [_("Give the reason of the evaluation.")]
    problems = closing_problems(case)
    if problems:
        errors["__all__"] = [
            _("It cannot be resolved yet under “%(mode)s”:") % {"mode": case.mode.name},
            *problems,
        ]
    if errors:
        raise ValidationError(errors)
    before = snapshot(case, AUDITED)
    calendar = WorkingCalendar.load()
    case.state, case.resolution, case.resolved_on, case.resolved_on_the_spot = (
        State.RESOLVED,
        resolution,
        on,
        on_the_spot,
    )
    # A guess (Monday to Friday) where the next year is unknown, counted again once it is entered.
    case.return_visit_due = calendar.add_working_days_or_weekdays(on, 1)
    if case.ask_kind == AskKind.SUGGESTION:
        case.evaluation, case.evaluation_reason = evaluation, evaluation_reason.strip()
    _save(case, before, by)
    _event(case, by, EventKind.RESOLVED, resolution, public=case.public, on=on, due_on=case.return_visit_due)
    if case.ask_kind == AskKind.SUGGESTION:
        _event(
            case, by, EventKind.EVALUATED, f"{case.get_evaluation_display()}: {case.evaluation_reason}", on=on
        )
    if case.mode.closing_rule == ClosingRule.FOLLOW_UPS:
        FollowUp.objects.filter(case=case, done_on__isnull=True).delete()  # a re-resolution schedules anew
        planned = [on + datetime.timedelta(days=days) for days in case.mode.follow_up_days]
        FollowUp.objects.bulk_create(
            FollowUp(case=case, planned_on=day, due_on=calendar.working_day_from(day)) for day in planned
        )
    return case


@transaction.atomic
def case_return_visit(
    *,
    case: Case,
    by,
    satisfaction: str,
    comment: str = "",
    channel: str = ContactKind.PHONE,
    on=None,
    expected_version: int | None = None,
) -> Case:
    """回访: satisfied closes the loop; dissatisfied reopens the case for re-handling (重办)."""
    case = _lock(case, expected_version)
    _require_cap(by, Cap.HANDLE_CASES)
    _require_state(case, [State.RESOLVED], _("visited"))
    if satisfaction not in Satisfaction.values:
        raise ValidationError({"satisfaction": [_("Choose satisfied, basically satisfied or dissatisfied.")]})
    on = on or _today()
    if on < case.resolved_on:
        raise ValidationError({"on": [_("A return visit comes after the resolution.")]})
    comment = (comment or "").strip()
    if satisfaction == Satisfaction.DISSATISFIED and not comment:
        raise ValidationError({"comment": [_("Write down why the client is dissatisfied.")]})
    ReturnVisit.objects.create(
        case=case,
        on=on,
        by=by if getattr(by, "pk", None) else None,
        satisfaction=satisfaction,
        comment=comment,
        channel=channel,
    )
    before = snapshot(case, AUDITED)
    case.satisfaction, case.visited_on = satisfaction, on
    _event(case, by, EventKind.RETURN_VISIT, f"{Satisfaction(satisfaction).label} {comment}".strip(), on=on)
    if satisfaction == Satisfaction.DISSATISFIED:
        _reopen(case, by, _("Client dissatisfied: %(comment)s") % {"comment": comment}, on)
    else:
        case.state = State.VISITED
    _save(case, before, by)
    return case


def _reopen(case: Case, by, reason: str, on) -> None:
    """Back to in progress with a fresh time limit counted from the reopening."""
    case.state = State.IN_PROGRESS
    case.reopened += 1
    case.resolved_on = case.return_visit_due = None
    case.resolution = ""
    # The mode's limit runs again from the reopening, for every mode (batch and explicit included).
    _set_reopened_limit(case, WorkingCalendar.load(), on=on)
    _event(case, by, EventKind.REOPENED, reason, on=on)
    if case.deadline_pending:
        _event(case, None, EventKind.TIME_LIMIT, case.deadline_pending, on=on)
    if case.owner_id:
        _notify(
            [case.owner_id],
            NotificationKind.REOPENED,
            case,
            f"reopened:{case.pk}:{case.reopened}",
            _("Case %(number)s was reopened: %(reason)s") % {"number": case.number, "reason": reason},
        )


@transaction.atomic
def case_reopen(*, case: Case, by, reason: str, on=None, expected_version: int | None = None) -> Case:
    case = _lock(case, expected_version)
    _require_cap(by, Cap.DISPATCH_CASES)
    _require_state(case, [State.RESOLVED, State.VISITED], _("reopened"))
    if not (reason or "").strip():
        raise ValidationError({"reason": [_("Give the reason for reopening.")]})
    before = snapshot(case, AUDITED)
    _reopen(case, by, reason.strip(), on or _today())
    _save(case, before, by)
    return case


@transaction.atomic
def follow_up_record(*, follow_up: FollowUp, by, note: str, on=None) -> FollowUp:
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    case = follow_up.case
    _require_handler(case, by)
    if follow_up.done_on:
        raise ValidationError(_("This follow-up is already recorded."))
    if not (note or "").strip():
        raise ValidationError({"note": [_("Write down what the follow-up found.")]})
    on = on or _today()
    before = snapshot(follow_up)
    follow_up.done_on, follow_up.by, follow_up.note = (
        on,
        by if getattr(by, "pk", None) else None,
        note.strip(),
    )
    follow_up.save()
    audit_update(by=by, obj=follow_up, before=before)
    _event(case, by, EventKind.FOLLOW_UP, note.strip(), on=on)
    return follow_up


@transaction.atomic
def case_archive(*, case: Case, by, on=None, expected_version: int | None = None) -> Case:
    """归档: after the return visit, and (跟踪办) once every follow-up is recorded."""
    case = _lock(case, expected_version)
    _require_handler(case, by)
    _require_state(case, [State.VISITED], _("archived"))
    pending = case.follow_ups.filter(done_on__isnull=True).count()
    if pending:
        raise ValidationError(_("%(n)d follow-up(s) are not recorded yet (跟踪办).") % {"n": pending})
    before = snapshot(case, AUDITED)
    case.state, case.archived_on = State.ARCHIVED, on or _today()
    _save(case, before, by)
    _event(case, by, EventKind.ARCHIVED, on=on)
    return case


@transaction.atomic
def case_merge(*, case: Case, into: Case, by, on=None, expected_version: int | None = None) -> Case:
    """A duplicate is merged into another case and keeps the link."""
    case = _lock(case, expected_version)
    _require_cap(by, Cap.DISPATCH_CASES)
    _require_state(case, OPEN_STATES, _("merged"))
    if into.pk == case.pk or into.bureau_id != case.bureau_id or into.state in (State.MERGED, State.DECLINED):
        raise ValidationError({"into": [_("Choose another open case of the bureau.")]})
    before = snapshot(case, AUDITED)
    case.state, case.merged_into = State.MERGED, into
    _save(case, before, by)
    _event(case, by, EventKind.MERGED, into.number, on=on)
    _event(
        into,
        by,
        EventKind.NOTE,
        _("Case %(number)s was merged into this one.") % {"number": case.number},
        on=on,
    )
    return case


@transaction.atomic
def case_recompute_pending_limits(*, bureau_ids: Iterable[int] | None = None) -> int:
    """Once a missing year is entered: compute every time limit that was left pending (and every
    other date the calendar derives). Returns how many pending limits were computed."""
    return case_recompute_calendar_dates(bureau_ids=bureau_ids)["pending"]


_CLOCK_FIELDS = ("remind_on", "escalate_on", "escalate_leader_on")


def _recount_limit(case: Case, calendar: WorkingCalendar, today: datetime.date) -> None:
    """An open case's limit and clock days counted again on the present calendar. Days already past
    under both the old and the new count stay as they were (the clock has acted on them); a day that
    the new count puts in the past falls due on the first working day from today."""
    old = {name: getattr(case, name) for name in _CLOCK_FIELDS}
    if case.limit_days:
        try:
            case.deadline = calendar.add_working_days(case.limit_from, case.limit_days)
            case.deadline_pending = ""
        except UnknownYear as exc:
            case.deadline = case.remind_on = case.escalate_on = case.escalate_leader_on = None
            case.deadline_pending = str(exc)
            return
    elif case.deadline_pending:
        set_time_limit(case, calendar, on=today)
        if case.deadline_pending:
            return
    _recount_clock_days(case, calendar, today, old)


def _recount_clock_days(case: Case, calendar: WorkingCalendar, today: datetime.date, old=None) -> None:
    """The reminder and supervision days counted again for the case's limit (see `_recount_limit`)."""
    old = old or {name: getattr(case, name) for name in _CLOCK_FIELDS}
    if case.deadline is None:
        return
    _set_clock_days(case, calendar, on=datetime.date.min, start=case.limit_from or case.raised_on)
    for name in _CLOCK_FIELDS:
        new, before = getattr(case, name), old[name]
        if new is None or new >= today:
            continue
        if before is not None and before < today:
            setattr(case, name, before)
        elif name == "remind_on":
            setattr(case, name, None if case.deadline < today else calendar.working_day_from(today))
        else:
            setattr(case, name, calendar.working_day_from(today))


@transaction.atomic
def case_recompute_calendar_dates(
    *, year: int | None = None, bureau_ids: Iterable[int] | None = None, today: datetime.date | None = None
) -> dict:
    """When a calendar year is entered or corrected: every date derived from the calendar is counted
    again — the time limits counted in working days (and those left pending), the reminder and both
    supervision days of open cases, the acceptance due day, the return visit due and the follow-ups
    due. With `year`, only dates that reach into that year (or that were unknown) are read.

    Returns {"pending": limits computed that were pending, "cases": cases whose dates changed,
    "follow_ups": follow-ups moved}."""
    calendar = WorkingCalendar.load()
    today = today or _today()
    since = datetime.date(year, 1, 1) if year else datetime.date.min
    cases = Case.objects.all()
    if bureau_ids is not None:
        cases = cases.filter(bureau_id__in=list(bureau_ids))
    reaches = (
        ~Q(deadline_pending="")
        | Q(deadline__gte=since)
        | Q(remind_on__gte=since)
        | Q(escalate_on__gte=since)
        | Q(escalate_leader_on__gte=since)
        | Q(accept_due__isnull=True)
        | Q(accept_due__gte=since)
        | Q(state=State.RESOLVED, return_visit_due__gte=since)
        | Q(state=State.RESOLVED, return_visit_due__isnull=True)
    )
    result = {"pending": 0, "cases": 0, "follow_ups": 0}
    for case in cases.filter(reaches).select_for_update(of=("self",)).select_related("mode", "batch"):
        before = snapshot(case, AUDITED)
        was_pending = bool(case.deadline_pending)
        if case.state in OPEN_STATES:
            _recount_limit(case, calendar, today)
        else:  # the limit it was judged by stays; its clock days follow the calendar all the same
            _recount_clock_days(case, calendar, today)
        try:
            case.accept_due = calendar.add_working_days(case.raised_on, 1)
        except UnknownYear:
            case.accept_due = None
        if case.state == State.RESOLVED and case.resolved_on:
            case.return_visit_due = calendar.add_working_days_or_weekdays(case.resolved_on, 1)
            if case.return_visit_due != before["return_visit_due"]:
                # The resolution in force: its return visit is due on the day the calendar now says.
                CaseEvent.objects.filter(
                    pk=case.events.filter(kind=EventKind.RESOLVED).order_by("-at", "-id").values("pk")[:1]
                ).update(due_on=case.return_visit_due)
        after = snapshot(case, AUDITED)
        if after == before:
            continue
        _save(case, before, None, note=_("Dates counted again after the working-day calendar changed"))
        result["cases"] += 1
        if case.deadline != before["deadline"] and case.deadline:
            _event(case, None, EventKind.TIME_LIMIT, str(case.deadline))
        if was_pending and not case.deadline_pending:
            result["pending"] += 1
    follow_ups = FollowUp.objects.filter(done_on__isnull=True).filter(
        Q(due_on__gte=since) | Q(planned_on__gte=since)
    )
    if bureau_ids is not None:
        follow_ups = follow_ups.filter(case__bureau_id__in=list(bureau_ids))
    moved = []
    for follow_up in follow_ups.select_for_update():
        due = calendar.working_day_from(follow_up.planned_on or follow_up.due_on)
        if due != follow_up.due_on:
            follow_up.due_on = due
            moved.append(follow_up)
    FollowUp.objects.bulk_update(moved, ["due_on"])
    result["follow_ups"] = len(moved)
    return result


# --- deeds --------------------------------------------------------------------------------


@transaction.atomic
def deed_record(
    *,
    bureau,
    by,
    kind,
    quantity,
    on: datetime.date,
    description: str,
    vehicle=None,
    department=None,
    township=None,
    households: Iterable = (),
    cases: Iterable = (),
    public: bool = False,
) -> Deed:
    _require_cap(by, Cap.HANDLE_CASES)
    campaign = Campaign.objects.current(bureau, on)
    errors: dict[str, list] = {}
    if campaign is None:
        errors["on"] = [_("No campaign of the bureau runs on %(day)s.") % {"day": on}]
    elif kind.campaign_id != campaign.pk:
        errors["kind"] = [_("This kind of deed belongs to another campaign.")]
    try:
        from decimal import Decimal, InvalidOperation

        quantity = Decimal(str(quantity))
        if quantity <= 0:
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors["quantity"] = [_("The quantity is a positive number.")]
    if not (description or "").strip():
        errors["description"] = [_("Say what was done.")]
    if on > _today():
        errors["on"] = [_("A deed cannot be dated in the future.")]
    households, cases = list(households), list(cases)
    if any(h.bureau_id != bureau.pk for h in households) or any(c.bureau_id != bureau.pk for c in cases):
        errors["cases"] = [_("Beneficiaries and cases must belong to the bureau.")]
    if errors:
        raise ValidationError(errors)
    deed = Deed.objects.create(
        bureau=bureau,
        campaign=campaign,
        kind=kind,
        quantity=quantity,
        unit=kind.unit,
        vehicle=vehicle or kind.vehicle,
        on=on,
        description=description.strip(),
        department=department,
        township=township,
        public=public,
        recorded_by=by if getattr(by, "pk", None) else None,
    )
    deed.beneficiaries.set(households)
    deed.cases.set(cases)
    audit_create(by=by, obj=deed)
    return deed


def deed_totals(*, bureau_ids: Iterable[int], start: datetime.date, end: datetime.date):
    """Sum of deeds by kind and unit in the period, computed in the database."""
    return (
        Deed.objects.filter(bureau_id__in=list(bureau_ids), on__gte=start, on__lte=end)
        .values("kind__name", "unit")
        .annotate(total=Sum("quantity"))
        .order_by("kind__order", "kind__name")
    )
