"""What the public may see of a case: its state, time limit, public progress and result, never a
name, phone number, address or a staff member's personal detail. Free text written by staff (notes,
results) has any phone, ID or licence number in it masked as well."""

import re

from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from sanwen.cases.models import Case, CaseEvent, EventKind, State
from sanwen.core.text import mask_id, mask_licence, mask_name, mask_phone, mask_phones_in

# Steps of the timeline the public sees (by kind only, without the text a cadre wrote), and the
# progress notes a cadre marked public (with their text).
PUBLIC_STEPS = (
    EventKind.REGISTERED,
    EventKind.ACCEPTED,
    EventKind.DECLINED,
    EventKind.ASSIGNED,
    EventKind.STARTED,
    EventKind.EXTENSION_APPROVED,
    EventKind.RESOLVED,
    EventKind.RETURN_VISIT,
    EventKind.REOPENED,
    EventKind.ARCHIVED,
    EventKind.MERGED,
)

PUBLIC_STATE = {
    State.REGISTERED: _("Received, waiting to be accepted"),
    State.ACCEPTED: _("Accepted"),
    State.DECLINED: _("Not accepted"),
    State.ASSIGNED: _("Assigned to a department"),
    State.IN_PROGRESS: _("Being handled"),
    State.RESOLVED: _("Resolved, waiting for your rating"),
    State.VISITED: _("Resolved and rated"),
    State.ARCHIVED: _("Completed"),
    State.MERGED: _("Handled together with another matter"),
}

_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_CREDIT = re.compile(r"(?<![0-9A-Z])[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}(?![0-9A-Z])")
_LICENCE = re.compile(r"(?<!\d)\d{12}(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)")


def scrub(text: str, names=()) -> str:
    """Mask every personal number in free text, and the names we know belong to the case (the
    client's, the contact's, the staff's who handled it)."""
    if not text:
        return ""
    for name in sorted({n for n in names if n and len(n) >= 2}, key=len, reverse=True):
        text = text.replace(name, mask_name(name))
    text = _ID.sub(lambda m: mask_id(m.group(0)), text)
    text = _CREDIT.sub(lambda m: mask_id(m.group(0)), text)
    text = mask_phones_in(text)  # 138 1234 5678, +86-138-…, full-width digits as well
    text = _LICENCE.sub(lambda m: mask_licence(m.group(0)), text)
    return _LANDLINE.sub(lambda m: mask_phone(m.group(0)), text)


def _public_event_filter():
    return Q(kind__in=PUBLIC_STEPS) | Q(kind=EventKind.NOTE, public=True)


# What the public pages read of a step: when, what, a note's text and the writer's name (to mask it).
EVENT_COLUMNS = ("id", "case", "at", "kind", "text", "public", "by", "by__name")


def _public_steps():
    return CaseEvent.objects.filter(_public_event_filter()).select_related("by").only(*EVENT_COLUMNS)


def public_events() -> Prefetch:
    """The prefetch of each case's public steps and notes (one query for a page of cases)."""
    return Prefetch("events", queryset=_public_steps().order_by("at", "id"), to_attr="public_events")


def names_of(case: Case, events=()) -> list[str]:
    """Names that may turn up in a cadre's text about the case (needs household, owner, raised_by
    and the events' `by` loaded)."""
    names = [case.contact_name]
    if case.household_id:
        names.append(case.household.name)
    for person in (case.owner, case.raised_by, *(e.by for e in events)):
        if person is not None:
            names.append(person.name)
    return names


def progress(events, names=()) -> list[dict]:
    """Public entries of a timeline: date, what happened; a public note's text, masked."""
    entries = []
    for event in events:
        entries.append(
            {
                "on": event.at,
                "label": event.get_kind_display(),
                "text": scrub(event.text, names) if event.kind == EventKind.NOTE else "",
            }
        )
    return entries


def raiser(case: Case) -> str:
    """Who raised it, as the board may show it: a masked name, or nothing when confidential."""
    if case.confidential:
        return ""
    name = case.household.name if case.household_id else case.contact_name
    return mask_name(name)


def status(case: Case) -> dict:
    """The status page's facts about a case (the case a merged one went into, where merged)."""
    shown = case
    if case.state == State.MERGED and case.merged_into_id:
        shown = case.merged_into
    events = list(_public_steps().filter(case__in={case.pk, shown.pk}).order_by("at", "id"))
    names = names_of(case, events) + (names_of(shown) if shown is not case else [])
    return {
        "number": case.number,
        "ask_kind": case.get_ask_kind_display(),
        "concern_kind": case.get_concern_kind_display() if case.concern_kind else "",
        "raised_on": case.raised_on,
        "state": shown.state,
        "state_label": PUBLIC_STATE[State(shown.state)],
        "merged": shown is not case,
        "deadline": shown.deadline,
        "deadline_pending": bool(shown.deadline_pending) and not shown.deadline,
        "department": shown.department.name if shown.department_id else "",
        "declined_reason": scrub(shown.decline_reason, names) if shown.state == State.DECLINED else "",
        "result": scrub(shown.resolution, names)
        if shown.state in (State.RESOLVED, State.VISITED, State.ARCHIVED)
        else "",
        "resolved_on": shown.resolved_on,
        "satisfaction": shown.get_satisfaction_display() if shown.satisfaction else "",
        "can_rate": case.state == State.RESOLVED,
        "progress": progress(events, names),
    }
