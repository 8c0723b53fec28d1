"""What is due for whom, read from the cases' dates: the owner's reminders (催办), return visits and
follow-ups; supervision (督办) by the heads of the case's department, then by its supervising leader
(分管领导), or by every leader where no department or supervisor holds the case.

The bell, the notifications page and the clock's e-mails all use these rules, so what a person is
shown is always the cases' present state: an overdue case stays under supervision until resolved."""

import datetime
from dataclasses import dataclass

from django.db.models import F, IntegerField, Q, QuerySet, Value

from sanwen.cases.models import OPEN_STATES, AlertKind, Case, FollowUp, State
from sanwen.core.access import Role


@dataclass(frozen=True)
class Branch:
    kind: AlertKind
    model: type
    date: str  # the date field on the model
    states: tuple  # the case states in which it is due
    case: str = ""  # path from the model to the case ("" for Case itself)


BRANCHES = [
    Branch(AlertKind.REMIND, Case, "remind_on", OPEN_STATES),
    Branch(AlertKind.ESCALATE, Case, "escalate_on", OPEN_STATES),
    Branch(AlertKind.LEADER, Case, "escalate_leader_on", OPEN_STATES),
    Branch(AlertKind.VISIT, Case, "return_visit_due", (State.RESOLVED,)),
    Branch(AlertKind.FOLLOW, FollowUp, "due_on", (), case="case__"),
]


def _addressed_to(branch: Branch, user) -> Q | None:
    c = branch.case
    if branch.kind in (AlertKind.REMIND, AlertKind.VISIT, AlertKind.FOLLOW):
        return Q(**{f"{c}owner": user})
    if branch.kind == AlertKind.ESCALATE:
        q = None
        if user.role == Role.DEPT_HEAD and user.department_id:
            q = Q(**{f"{c}department_id": user.department_id})
        if user.role == Role.LEADER and user.bureau_id:
            lead = Q(**{f"{c}bureau_id": user.bureau_id, f"{c}department__isnull": True})
            q = lead if q is None else q | lead
        return q
    if user.role != Role.LEADER or not user.bureau_id:
        return None
    unsupervised = Q(**{f"{c}department__isnull": True}) | Q(**{f"{c}department__supervisor__isnull": True})
    return Q(**{f"{c}department__supervisor": user}) | (Q(**{f"{c}bureau_id": user.bureau_id}) & unsupervised)


def _branch_queryset(branch: Branch, *, first: datetime.date, last: datetime.date) -> QuerySet:
    c = branch.case
    rows = branch.model.objects.filter(**{f"{branch.date}__gte": first, f"{branch.date}__lte": last})
    if branch.model is FollowUp:
        rows = rows.filter(done_on__isnull=True)
    else:
        rows = rows.filter(state__in=branch.states)
    if branch.kind == AlertKind.REMIND:
        rows = rows.filter(owner__isnull=False, deadline__gte=F("remind_on"))
    return (
        rows.annotate(
            alert_case=F(f"{c}id") if c else F("id"),
            alert_kind=Value(branch.kind.value, output_field=IntegerField()),
            alert_due=F(branch.date),
        )
        .values("alert_case", "alert_kind", "alert_due")
        .order_by()
    )  # no ORDER BY inside a UNION


def due_for(user, *, today: datetime.date, since: datetime.date) -> QuerySet:
    """(case, kind, day) of everything due for the user between `since` and `today`, one query."""
    parts = []
    for branch in BRANCHES:
        to_user = _addressed_to(branch, user)
        if to_user is None:
            continue
        parts.append(_branch_queryset(branch, first=since, last=today).filter(to_user))
    if not parts:
        return Case.objects.none().values("id")
    return parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]


def unread_count(user, *, today: datetime.date) -> int:
    """Alerts that fell due after the user last read them (the bell), within the last 30 days."""
    since = today - datetime.timedelta(days=30)
    if user.alerts_read_at:
        since = max(since, user.alerts_read_at.date() + datetime.timedelta(days=1))
    if since > today:
        return 0
    return due_for(user, today=today, since=since).count()


REMIND_CATCH_UP = datetime.timedelta(days=14)


def due_in_window(*, first: datetime.date, last: datetime.date, reminders: bool = True) -> QuerySet:
    """Everything due for anyone between two days: what one clock pass acts on (one query).

    Reminders are read further back (a reminder held over a non-working day, when no reminder is
    sent, goes out on the next working day's pass) but only while the limit has not passed; without
    `reminders` (a non-working day) none is read."""
    parts = []
    for branch in BRANCHES:
        if branch.kind == AlertKind.REMIND:
            if not reminders:
                continue
            parts.append(
                _branch_queryset(branch, first=first - REMIND_CATCH_UP, last=last).filter(deadline__gte=last)
            )
        else:
            parts.append(_branch_queryset(branch, first=first, last=last))
    return parts[0].union(*parts[1:], all=True)
