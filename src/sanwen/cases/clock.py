"""The clock (催办 / 督办): reminders the working day before a time limit, supervision by the
department head the day after it, by a bureau leader two working days later, return visits and
follow-ups due. Every step is one set-based statement, so a pass runs the same fixed number of
queries whatever the number of cases. A case's remind_on / escalate_on / escalate_leader_on say
when the clock must next act; acting clears them, so a second pass sends nothing again and a pass
only reads the rows that are due (the notification's unique key guards the rest)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.cases.models import OPEN_STATES, Case, CaseEvent, EventKind, FollowUp, State
from sanwen.core.models import Notification, NotificationKind
from sanwen.core.permissions import Role
from sanwen.org.models import Staff

CASE = Case._meta.db_table
EVENT = CaseEvent._meta.db_table
NOTE = Notification._meta.db_table
STAFF = Staff._meta.db_table
FOLLOW = FollowUp._meta.db_table
OPEN = "(" + ", ".join(f"'{s}'" for s in OPEN_STATES) + ")"


@dataclass
class PassResult:
    reminded: int = 0
    escalated: int = 0
    escalated_to_leader: int = 0
    notifications: int = 0
    emailed: int = 0
    queries: int = 0

    def summary(self) -> str:
        return (
            f"reminded {self.reminded}, supervised {self.escalated} (department) and "
            f"{self.escalated_to_leader} (leader), {self.notifications} notifications, {self.emailed} e-mails"
        )


def _key(*parts: str) -> str:
    """Concatenate SQL text expressions (both SQLite and PostgreSQL speak ||)."""
    return " || ':' || ".join(parts)


def _as_text(column: str) -> str:
    return f"CAST({column} AS VARCHAR)" if connection.vendor == "postgresql" else f"CAST({column} AS TEXT)"


class _Pass:
    def __init__(self, today: datetime.date, now: datetime.datetime):
        self.today, self.now = today, now
        self.result = PassResult()
        self.cursor = connection.cursor()

    def run(self, sql: str, params: list) -> int:
        self.cursor.execute(sql, params)
        self.result.queries += 1
        return max(self.cursor.rowcount, 0)

    def events(self, where: str, params: list, kind: str) -> int:
        return self.run(
            f"INSERT INTO {EVENT} (case_id, at, by_id, kind, text, public) "
            f"SELECT c.id, %s, NULL, %s, '', FALSE FROM {CASE} c WHERE {where}",
            [self.now, kind, *params],
        )

    def notify(self, select_sql: str, params: list) -> int:
        """select_sql yields (recipient_id, kind, case_id, key)."""
        return self.run(
            f"INSERT INTO {NOTE} (recipient_id, kind, case_id, key, text, created_at) "
            f"SELECT s.recipient_id, s.kind, s.case_id, s.key, '', %s FROM ({select_sql}) s WHERE TRUE "
            f"ON CONFLICT (recipient_id, kind, key) DO NOTHING",
            [self.now, *params],
        )


def clock_pass(*, today: datetime.date | None = None, send_email: bool = True) -> PassResult:
    today = today or timezone.localdate()
    with transaction.atomic():
        p = _Pass(today, timezone.now())
        deadline_text = _as_text("c.deadline")
        case_id = _as_text("c.id")

        # 1. 催办: the working day before the time limit.
        due = f"c.state IN {OPEN} AND c.remind_on <= %s AND c.owner_id IS NOT NULL AND c.deadline >= %s"
        p.events(due, [today, today], EventKind.REMINDED)
        p.result.notifications += p.notify(
            f"SELECT c.owner_id AS recipient_id, '{NotificationKind.REMINDER}' AS kind, c.id AS case_id, "
            f"{_key(case_id, deadline_text)} AS key FROM {CASE} c WHERE {due}",
            [today, today],
        )
        # Done: cleared (and so is a reminder whose day passed after the limit, with nobody to tell).
        p.result.reminded = p.run(
            f"UPDATE {CASE} SET remind_on = NULL WHERE state IN {OPEN} AND remind_on <= %s "
            f"AND (owner_id IS NOT NULL OR deadline < %s)",
            [today, today],
        )

        # 2. 督办 by the department head the day after the limit (by the leaders if no department),
        #    then by the leaders two working days later.
        for level, column, kind in (
            (1, "escalate_on", NotificationKind.ESCALATION),
            (2, "escalate_leader_on", NotificationKind.ESCALATION_LEADER),
        ):
            overdue = f"c.state IN {OPEN} AND c.{column} <= %s"
            p.events(overdue, [today], EventKind.ESCALATED)
            if level == 1:
                recipients = (
                    f"JOIN {STAFF} s ON s.department_id = c.department_id AND s.role = '{Role.DEPT_HEAD}' "
                    f"AND s.is_active WHERE {overdue} UNION SELECT s.id, '{kind}', c.id, "
                    f"{_key(case_id, deadline_text)} FROM {CASE} c JOIN {STAFF} s ON s.bureau_id = c.bureau_id "
                    f"AND s.role = '{Role.LEADER}' AND s.is_active WHERE c.department_id IS NULL AND {overdue}"
                )
                params = [today, today]
            else:
                recipients = (
                    f"JOIN {STAFF} s ON s.bureau_id = c.bureau_id AND s.role = '{Role.LEADER}' AND s.is_active "
                    f"WHERE {overdue}"
                )
                params = [today]
            p.result.notifications += p.notify(
                f"SELECT s.id AS recipient_id, '{kind}' AS kind, c.id AS case_id, "
                f"{_key(case_id, deadline_text)} AS key FROM {CASE} c {recipients}",
                params,
            )
            count = p.run(
                f"UPDATE {CASE} SET {column} = NULL, escalation = CASE WHEN escalation < {level} THEN {level} "
                f"ELSE escalation END WHERE state IN {OPEN} AND {column} <= %s",
                [today],
            )
            if level == 1:
                p.result.escalated = count
            else:
                p.result.escalated_to_leader = count

        # 3. Return visits due (the working day after resolution), to the owner.
        p.result.notifications += p.notify(
            f"SELECT c.owner_id AS recipient_id, '{NotificationKind.RETURN_VISIT_DUE}' AS kind, c.id AS case_id, "
            f"{_key(case_id, _as_text('c.resolved_on'))} AS key FROM {CASE} c "
            f"WHERE c.state = '{State.RESOLVED}' AND c.return_visit_due <= %s AND c.owner_id IS NOT NULL",
            [today],
        )
        # 4. Follow-ups due (跟踪办), to the owner.
        p.result.notifications += p.notify(
            f"SELECT c.owner_id AS recipient_id, '{NotificationKind.FOLLOW_UP_DUE}' AS kind, c.id AS case_id, "
            f"{_as_text('f.id')} AS key FROM {FOLLOW} f JOIN {CASE} c ON c.id = f.case_id "
            f"WHERE f.done_on IS NULL AND f.due_on <= %s AND c.owner_id IS NOT NULL",
            [today],
        )
        p.cursor.close()
    if send_email:
        p.result.emailed = send_pending_email(p.result)
    return p.result


def send_pending_email(result: PassResult | None = None) -> int:
    """E-mail every notification not yet e-mailed to a recipient who has an address (two queries)."""
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True)
        .exclude(recipient__email="")
        .select_related("recipient", "case")
        .order_by("id")[:5000]
    )
    if result is not None:
        result.queries += 1
    if not pending:
        return 0
    messages = [
        (
            f"[{_('Sanwen')}] {n.get_kind_display()}",
            render_notification(n),
            settings.DEFAULT_FROM_EMAIL,
            [n.recipient.email],
        )
        for n in pending
    ]
    send_mass_mail(messages, fail_silently=True)
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    if result is not None:
        result.queries += 1
    return len(pending)


def render_notification(n: Notification) -> str:
    if n.text:
        return n.text
    if n.case_id:
        deadline = f" · {_('time limit')} {n.case.deadline}" if n.case.deadline else ""
        return f"{n.get_kind_display()}: {n.case.number} {n.case.title}{deadline}"
    return n.get_kind_display()
