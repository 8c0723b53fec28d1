"""The clock (催办 / 督办): reminders the working day before a time limit, supervision by the
department head the day after it and by the supervising leader two working days later, return
visits and follow-ups due.

A pass is one INSERT ... SELECT ... ON CONFLICT DO NOTHING into the alerts, reading the due days from
the last pass's day to today: the same statements whatever the number of cases, no case rewritten,
missed days caught up, and a second pass adds nothing (an alert's key is its case, kind and day).
Whom an alert concerns is read from the case when it is shown or e-mailed."""

import datetime
from collections import Counter
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.cases.models import OPEN_STATES, Alert, AlertKind, Case, ClockRun, FollowUp, State
from sanwen.core.models import Notification
from sanwen.core.permissions import Role
from sanwen.org.models import Staff

CASE = Case._meta.db_table
ALERT = Alert._meta.db_table
FOLLOW = FollowUp._meta.db_table
OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"


@dataclass
class PassResult:
    first_day: datetime.date | None = None
    reminded: int = 0
    escalated: int = 0
    escalated_to_leader: int = 0
    return_visits: int = 0
    follow_ups: int = 0
    emailed: int = 0
    queries: int = 0

    @property
    def alerts(self) -> int:
        return (
            self.reminded + self.escalated + self.escalated_to_leader + self.return_visits + self.follow_ups
        )

    def summary(self) -> str:
        return (
            f"days {self.first_day}..: {self.reminded} reminders, {self.escalated} cases supervised by the "
            f"department head and {self.escalated_to_leader} by the leader, {self.return_visits} return visits "
            f"and {self.follow_ups} follow-ups due, {self.emailed} e-mails"
        )


DUE_SQL = f"""
INSERT INTO {ALERT} (case_id, kind, due, created_at, emailed)
SELECT case_id, kind, due, %(now)s, FALSE FROM (
  SELECT c.id AS case_id, {AlertKind.REMIND.value} AS kind, c.remind_on AS due FROM {CASE} c
   WHERE c.state IN {OPEN} AND c.remind_on BETWEEN %(first)s AND %(today)s
     AND c.owner_id IS NOT NULL AND c.deadline >= %(today)s
  UNION ALL
  SELECT c.id, {AlertKind.ESCALATE.value}, c.escalate_on FROM {CASE} c
   WHERE c.state IN {OPEN} AND c.escalate_on BETWEEN %(first)s AND %(today)s
  UNION ALL
  SELECT c.id, {AlertKind.LEADER.value}, c.escalate_leader_on FROM {CASE} c
   WHERE c.state IN {OPEN} AND c.escalate_leader_on BETWEEN %(first)s AND %(today)s
  UNION ALL
  SELECT c.id, {AlertKind.VISIT.value}, c.return_visit_due FROM {CASE} c
   WHERE c.state = '{State.RESOLVED}' AND c.return_visit_due BETWEEN %(first)s AND %(today)s
  UNION ALL
  SELECT f.case_id, {AlertKind.FOLLOW.value}, f.due_on FROM {FOLLOW} f
   WHERE f.done_on IS NULL AND f.due_on BETWEEN %(first)s AND %(today)s
) due WHERE TRUE
ON CONFLICT DO NOTHING
RETURNING kind
"""


def clock_pass(*, today: datetime.date | None = None, send_email: bool = True) -> PassResult:
    today = today or timezone.localdate()
    result = PassResult()
    with transaction.atomic():
        run = ClockRun.objects.select_for_update().order_by("pk").first()
        # From the last pass's day (again: cases accepted since may be due on it); the very first pass
        # takes everything due so far.
        first = min(run.last_day, today) if run else datetime.date(1900, 1, 1)
        result.first_day = first
        with connection.cursor() as cursor:
            now = connection.ops.adapt_datetimefield_value(timezone.now())  # as the ORM stores it
            cursor.execute(DUE_SQL, {"now": now, "first": first, "today": today})
            made = Counter(AlertKind(kind) for (kind,) in cursor.fetchall())
        result.reminded, result.escalated = made[AlertKind.REMIND], made[AlertKind.ESCALATE]
        result.escalated_to_leader, result.return_visits = made[AlertKind.LEADER], made[AlertKind.VISIT]
        result.follow_ups = made[AlertKind.FOLLOW]
        if run is None:
            ClockRun.objects.create(last_day=today, passes=1)
        else:
            ClockRun.objects.filter(pk=run.pk).update(
                last_day=max(run.last_day, today), passes=run.passes + 1
            )
        result.queries = 3
    if send_email:
        result.emailed = send_pending_email() + send_notice_email()
    return result


def recipients(alert: Alert, heads: dict, leaders: dict) -> list:
    """Whom an alert concerns (the same rule as AlertQuerySet.for_user)."""
    case = alert.case
    if alert.kind in (AlertKind.REMIND, AlertKind.VISIT, AlertKind.FOLLOW):
        return [case.owner] if case.owner_id else []
    if alert.kind == AlertKind.ESCALATE:
        return heads.get(case.department_id, []) if case.department_id else leaders.get(case.bureau_id, [])
    supervisor = case.department.supervisor if case.department_id else None
    return [supervisor] if supervisor else leaders.get(case.bureau_id, [])


def send_pending_email(limit: int = 5000) -> int:
    """E-mail the alerts not yet e-mailed to everyone they concern who has an address (four queries)."""
    pending = list(
        Alert.objects.filter(emailed=False)
        .select_related("case", "case__owner", "case__department__supervisor")
        .order_by("created_at")[:limit]
    )
    if not pending:
        return 0
    bureau_ids = {a.case.bureau_id for a in pending}
    heads, leaders = {}, {}
    for person in Staff.objects.filter(bureau_id__in=bureau_ids, is_active=True).filter(
        Q(role=Role.DEPT_HEAD) | Q(role=Role.LEADER)
    ):
        if person.role == Role.DEPT_HEAD:
            heads.setdefault(person.department_id, []).append(person)
        else:
            leaders.setdefault(person.bureau_id, []).append(person)
    messages = []
    for alert in pending:
        for person in recipients(alert, heads, leaders):
            if person.email:
                messages.append(
                    (
                        f"[{_('Sanwen')}] {alert.get_kind_display()}",
                        render_alert(alert),
                        settings.DEFAULT_FROM_EMAIL,
                        [person.email],
                    )
                )
    send_mass_mail(messages, fail_silently=True)
    cutoff = max(a.created_at for a in pending)
    Alert.objects.filter(emailed=False, created_at__lte=cutoff).update(emailed=True)
    return len(messages)


def render_alert(alert: Alert) -> str:
    case = alert.case
    deadline = f" · {_('time limit')} {case.deadline}" if case.deadline else ""
    return f"{alert.get_kind_display()}: {case.number} {case.title}{deadline}"


def send_notice_email(limit: int = 5000) -> int:
    """E-mail the service notices (assigned, extensions, reopened) not yet e-mailed (two queries)."""
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient", "case")
        .order_by("id")[:limit]
    )
    if not pending:
        return 0
    send_mass_mail(
        [
            (
                f"[{_('Sanwen')}] {n.get_kind_display()}",
                render_notice(n),
                settings.DEFAULT_FROM_EMAIL,
                [n.recipient.email],
            )
            for n in pending
        ],
        fail_silently=True,
    )
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return len(pending)


def render_notice(n: Notification) -> str:
    if n.text:
        return n.text
    return f"{n.get_kind_display()}: {n.case.number} {n.case.title}" if n.case_id else n.get_kind_display()
