"""What is due for whom, read from the cases' dates: the owner's reminders (催办), return visits and
follow-ups; supervision (督办) by the heads of the case's department, then by its supervising leader
(分管领导), or by every leader where no department or supervisor holds the case.

The bell, the notifications page and the clock's e-mails all use these rules, so what a person is
shown is always the cases' present state: an overdue case stays under supervision until resolved."""

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import F, IntegerField, Q, QuerySet, Value

from sanwen.cases.models import OPEN_STATES, AlertKind, Case, FollowUp, State
from sanwen.core.access import Role
from sanwen.core.params import as_date


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


# The case's columns an alert carries with cases=True (AlertCase's fields after its id, in order).
CASE_COLUMNS = ("bureau_id", "year", "sequence", "title", "deadline", "owner_id", "department_id")


def _branch_queryset(
    branch: Branch, *, first: datetime.date, last: datetime.date, cases: bool = False
) -> QuerySet:
    c = branch.case
    rows = branch.model.objects.filter(**{f"{branch.date}__gte": first, f"{branch.date}__lte": last})
    if branch.model is FollowUp:
        rows = rows.filter(done_on__isnull=True)
    else:
        rows = rows.filter(state__in=branch.states)
    if branch.kind == AlertKind.REMIND:
        rows = rows.filter(owner__isnull=False, deadline__gte=F("remind_on"))
    columns = {
        "alert_case": F(f"{c}id") if c else F("id"),
        "alert_kind": Value(branch.kind.value, output_field=IntegerField()),
        "alert_due": F(branch.date),
    }
    if cases:  # and what AlertCase holds of the case, read with it
        columns |= {f"alert_{name}": F(f"{c}{name}") for name in CASE_COLUMNS}
        columns["alert_supervisor_id"] = F(f"{c}department__supervisor_id")
    return rows.annotate(**columns).values(*columns).order_by()  # no ORDER BY inside a UNION


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


# The bell counts at most this many notices from others' steps (it shows "99+" beyond): a bounded
# probe of the (recipient, read_at) index, whatever a person has piled up.
BELL_NOTICES_CAP = 100
BELL_WINDOW = datetime.timedelta(days=30)


def unread_rows(user):
    """The person's bell row's count of alerts, as a query (at most one row): kept by the clock pass
    (ring) and the reading (silence)."""
    from sanwen.cases.models import Bell
    from sanwen.core.access import visible

    return visible(Bell.objects.all(), user).order_by().values_list("unread", flat=True)[:1]


def unread_count(user) -> int:
    """The bell's count of alerts: one row, kept by the clock pass (ring) and the reading (silence)."""
    return next(iter(unread_rows(user)), None) or 0


ALERT_FIELDS = ("id", *CASE_COLUMNS)


class AlertCase(NamedTuple):
    """What an alert's recipients and message need of its case."""

    id: int
    bureau_id: int
    year: int
    sequence: int
    title: str
    deadline: datetime.date | None
    owner_id: int | None
    department_id: int | None
    supervisor_id: int | None

    number = Case.number  # the same property: year and sequence


class AlertPeople(NamedTuple):
    """The alerts' cases as AlertCase rows by id, the departments' heads (ids by department) and the
    bureaus' leaders (ids by bureau): read once per clock pass, for the bells and the messages."""

    cases: dict
    heads: dict
    leaders: dict


def alert_people(alerts, cases: dict | None = None) -> AlertPeople:
    """What deciding whom `alerts` [(case, kind, day)] concern takes, in a few queries whatever their
    number: their cases (5,000 a query; or `cases`, AlertCase rows by id, if the caller read them),
    and the active heads and leaders of those cases' bureaus."""
    from sanwen.org.models import Staff

    if cases is None:
        cases = {}
        for chunk in _chunks(sorted({case_id for case_id, _k, _d in alerts}), 5000):
            for row in Case.objects.filter(pk__in=chunk).values_list(
                *ALERT_FIELDS, "department__supervisor_id"
            ):
                cases[row[0]] = AlertCase(*row)
    heads: dict[int, list[int]] = {}
    leaders: dict[int, list[int]] = {}
    if cases:
        for pk, role, department, bureau in Staff.objects.filter(
            bureau_id__in={c.bureau_id for c in cases.values()},
            is_active=True,
            role__in=[Role.DEPT_HEAD, Role.LEADER],
        ).values_list("pk", "role", "department_id", "bureau_id"):
            if role == Role.DEPT_HEAD:
                if department:
                    heads.setdefault(department, []).append(pk)
            else:
                leaders.setdefault(bureau, []).append(pk)
    return AlertPeople(cases, heads, leaders)


def recipients(case: AlertCase, kind: AlertKind, heads: dict, leaders: dict) -> list[int]:
    """Whom an alert concerns (their ids): the same rules as due_for."""
    if kind in (AlertKind.REMIND, AlertKind.VISIT, AlertKind.FOLLOW):
        return [case.owner_id] if case.owner_id else []
    if kind == AlertKind.ESCALATE:
        return heads.get(case.department_id, []) if case.department_id else leaders.get(case.bureau_id, [])
    return [case.supervisor_id] if case.supervisor_id else leaders.get(case.bureau_id, [])


def alert_recipients(alerts, people: AlertPeople | None = None) -> Counter:
    """How many of `alerts` [(case, kind, day)] each person gets, by the rules of `due_for`; `people`:
    what alert_people read for them (or for more alerts), read now if not given."""
    alerts = list(alerts)
    if not alerts:
        return Counter()
    cases, heads, leaders = people or alert_people(alerts)
    counts: Counter = Counter()
    for case_id, kind, _day in alerts:
        case = cases.get(case_id)
        if case is not None:
            for person in recipients(case, kind, heads, leaders):
                counts[person] += 1
    return counts


def ring(alerts, *, today: datetime.date, people: AlertPeople | None = None) -> int:
    """Add the alerts a clock pass issued to their recipients' bells (alerts due more than 30 days
    before today, a first pass's history, ring no bell). One statement per 500 people. `people`: what
    alert_people read for these alerts, if the caller has it."""
    from django.db import connection

    from sanwen.cases.models import Bell

    oldest = today - BELL_WINDOW
    counts = alert_recipients((a for a in alerts if as_date(a[2]) >= oldest), people)
    if not counts:
        return 0
    table = connection.ops.quote_name(Bell._meta.db_table)
    rows = sorted(counts.items())
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, 500):
            marks = ", ".join(["(%s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} (staff_id, unread) VALUES {marks} "  # noqa: S608
                f"ON CONFLICT (staff_id) DO UPDATE SET unread = {table}.unread + excluded.unread",
                [value for pair in chunk for value in pair],
            )
    return sum(counts.values())


def silence(user) -> None:
    """The person has read their alerts: the bell's count starts again from nought."""
    from sanwen.cases.models import Bell

    Bell.objects.filter(staff_id=user.pk).update(unread=0)


def _chunks(items, size):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


REMIND_CATCH_UP = datetime.timedelta(days=14)


def due_in_window(
    *, first: datetime.date, last: datetime.date, reminders: bool = True, cases: bool = False
) -> QuerySet:
    """Everything due for anyone between two days: what one clock pass acts on (one query), rows of
    (alert_case, alert_kind, alert_due) and with `cases` the case's AlertCase fields after them.

    Reminders are read further back (a reminder held over a non-working day, when no reminder is
    sent, goes out on the next working day's pass) but only while the limit has not passed; without
    `reminders` (a non-working day) none is read."""
    parts = []
    for branch in BRANCHES:
        if branch.kind == AlertKind.REMIND:
            if not reminders:
                continue
            parts.append(
                _branch_queryset(branch, first=first - REMIND_CATCH_UP, last=last, cases=cases).filter(
                    deadline__gte=last
                )
            )
        else:
            parts.append(_branch_queryset(branch, first=first, last=last, cases=cases))
    return parts[0].union(*parts[1:], all=True)
