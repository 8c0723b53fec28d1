"""The clock (催办 / 督办): reminders the working day before a time limit, supervision by the
department head the day after it and by the supervising leader two working days later, return
visits and follow-ups due.

Who has what due is read from the cases' dates (sanwen.cases.alerts): the notifications page shows it
as soon as a day comes. A pass reads, in one query, everything that fell due from the last pass's
day to today, logs each alert under its key (case, kind, day) and queues its messages in the outbox
(sanwen.notify; the worker sends them), so a second pass sends nothing again and missed days are caught up. A pass never rewrites a case. The
alerts a pass issues ring their recipients' bells (sanwen.cases.alerts.ring): the bell reads a count.

Several app servers may each run the clock: one pass runs at a time, and a pass that finds another one
running skips its turn (see _take_the_clock)."""

import datetime
import hashlib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sanwen.cases.alerts import (
    CASE_COLUMNS,
    AlertCase,
    AlertPeople,
    alert_people,
    due_in_window,
    recipients,
    ring,
)
from sanwen.cases.models import AlertKind, AlertMail, Case, ClockRun
from sanwen.core.calendar import WorkingCalendar
from sanwen.core.models import Notification, NotificationKind
from sanwen.notify.models import Topic
from sanwen.notify.outbox import Notice, addressees, enqueue, reachable

FIRST_EVER = datetime.date(1900, 1, 1)
# The PostgreSQL advisory lock a pass holds (advisory locks are per database): "sanwen" in ASCII.
CLOCK_LOCK_KEY = 0x73616E77656E


@dataclass
class PassResult:
    first_day: datetime.date | None = None
    reminded: int = 0
    escalated: int = 0
    escalated_to_leader: int = 0
    return_visits: int = 0
    follow_ups: int = 0
    commitments: int = 0
    emailed: int = 0
    skipped: bool = False

    @property
    def alerts(self) -> int:
        return (
            self.reminded + self.escalated + self.escalated_to_leader + self.return_visits + self.follow_ups
        )

    working_day: bool = True

    def summary(self) -> str:
        """What this pass did: alerts it sent (an alert sent by an earlier pass is not counted again)."""
        if self.skipped:
            return "skipped: another pass was running"
        held = "" if self.working_day else "; a non-working day: no reminder sent"
        # The very first pass looks at everything due so far: say so, not "days 1900-01-01..".
        since = (
            "first pass, every day so far"
            if self.first_day in (None, FIRST_EVER)
            else f"from {self.first_day}"
        )
        return (
            f"{since}: sent {self.reminded} reminders, {self.escalated} cases to the "
            f"department head's supervision and {self.escalated_to_leader} to the leader's, "
            f"{self.return_visits} return visits and {self.follow_ups} follow-ups due, "
            f"{self.commitments} notices of commitments past due, {self.emailed} messages queued{held}"
        )


def clock_pass(
    *,
    today: datetime.date | None = None,
    send_email: bool = True,
    flag_commitments: Callable[..., int] | None = None,
) -> PassResult:
    """One pass. Commitments are accountability's, a layer above cases: the desk's clock hands in
    their flagger (`flag_commitments(today, since=first)`) to run inside the same pass and lock."""
    today = today or timezone.localdate()
    result = PassResult()
    asked = timezone.now()
    with transaction.atomic():
        if not _take_the_clock(asked):
            result.skipped = True
            return result
        run = ClockRun.objects.select_for_update().order_by("pk").first()
        # From the last pass's day (again: a case accepted late that day may be due on it); the
        # very first pass takes everything due so far.
        first = min(run.last_day, today) if run else FIRST_EVER
        result.first_day = first
        # No reminder goes out on a non-working day: it waits for the next working day's pass.
        result.working_day = WorkingCalendar.load().working_day_from(today) == today
        due = due_in_window(
            first=first,
            last=today,
            reminders=result.working_day,
            cases=connection.vendor == "postgresql",  # read with the alerts: see _log_alerts
        )
        # Alerts an earlier pass issued are logged (AlertMail): only the others count as this pass's,
        # and ring their recipients' bells.
        fresh, cases = _log_alerts(due)
        # Whom they concern, read once for the bells and the messages.
        people = alert_people(fresh, cases)
        ring(fresh, today=today, people=people)
        made = Counter(AlertKind(kind) for _case, kind, _day in fresh)
        result.reminded, result.escalated = made[AlertKind.REMIND], made[AlertKind.ESCALATE]
        result.escalated_to_leader, result.return_visits = made[AlertKind.LEADER], made[AlertKind.VISIT]
        result.follow_ups = made[AlertKind.FOLLOW]
        if flag_commitments is not None:
            result.commitments = flag_commitments(today, since=first)
        if send_email:
            result.emailed = _email_alerts(fresh, today, people) + _email_notices()
        # Written last, so that `at` is (nearly) the moment the pass commits: see _take_the_clock.
        if run is None:
            ClockRun.objects.create(last_day=today, passes=1)
        else:
            ClockRun.objects.filter(pk=run.pk).update(
                last_day=max(run.last_day, today), passes=run.passes + 1, at=timezone.now()
            )
    return result


def _take_the_clock(asked: datetime.datetime) -> bool:
    """Called first inside the pass's transaction: whether this pass may run.

    PostgreSQL: a transaction-level advisory lock, taken without waiting and released at commit; a
    second server finding it taken skips its pass. SQLite: the transaction began with BEGIN
    IMMEDIATE, so this connection holds the database's write lock and no other pass is inside its
    transaction; a pass that had to wait for the lock while another one ran (the other's `at` is
    later than when this one asked) skips its turn rather than run the same pass again."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [CLOCK_LOCK_KEY])
            return bool(cursor.fetchone()[0])
    return not ClockRun.objects.filter(at__gte=asked).exists()


def _log_alerts(due) -> tuple[list, dict | None]:
    """Log the due alerts not sent yet (one INSERT ... SELECT ... RETURNING): [(case, kind, day)].
    On PostgreSQL `due` carries the cases' AlertCase fields (due_in_window(cases=True)) and the same
    statement returns them for the alerts it logged, as AlertCase rows by id; on SQLite None (and
    alert_people reads them after)."""
    sql, params = due.query.sql_with_params()
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # The logging statement, reading the due rows from `{source}`.
    insert = (
        f"INSERT INTO {AlertMail._meta.db_table} (case_id, kind, due, sent_at) "  # noqa: S608
        "SELECT alert_case, alert_kind, alert_due, %s FROM {source} WHERE TRUE "
        "ON CONFLICT DO NOTHING RETURNING case_id, kind, due"
    )
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(insert.format(source=f"({sql}) d"), [now, *params])
            return cursor.fetchall(), None
        # The due rows once, the insert from them, and back the rows the insert took (not those an
        # earlier pass logged), each with its case's fields.
        columns = ", ".join(
            f"due.alert_{name}" for name in ("case", "kind", "due", *CASE_COLUMNS, "supervisor_id")
        )
        cursor.execute(
            f"WITH due AS MATERIALIZED ({sql}), logged AS ({insert.format(source='due')}) "  # noqa: S608
            f"SELECT {columns} FROM due JOIN logged ON logged.case_id = due.alert_case "
            f"AND logged.kind = due.alert_kind AND logged.due = due.alert_due",
            [*params, now],
        )
        rows = cursor.fetchall()
    # A case's alert due twice the same day (two follow-ups) is logged once: listed once.
    fresh = list(dict.fromkeys(row[:3] for row in rows))
    return fresh, {row[0]: AlertCase(row[0], *row[3:]) for row in rows}


# The kind of notice (a person's channel preference) each alert and service notice is.
ALERT_TOPICS = {
    AlertKind.REMIND: Topic.REMINDER,
    AlertKind.ESCALATE: Topic.SUPERVISION,
    AlertKind.LEADER: Topic.SUPERVISION,
    AlertKind.VISIT: Topic.RETURN_VISIT,
    AlertKind.FOLLOW: Topic.RETURN_VISIT,
}
NOTICE_TOPICS = {NotificationKind.COMMITMENT_DUE: Topic.COMMITMENT}
ALERTS_LISTED = 30  # cases named in one message; the rest are counted


def notice_topic(n: Notification) -> str:
    """Inspectors' notices of a new violation report are keyed report:<id> (accountability)."""
    if n.key.startswith("report:"):
        return Topic.INTEGRITY
    return NOTICE_TOPICS.get(n.kind, Topic.CASE_STEP)


def _email_alerts(fresh, today: datetime.date, people: AlertPeople) -> int:
    """Put the alerts this pass logged into the outbox (sanwen.notify): one message per person and
    kind of alert, listing its cases, on the channels that person chose; the worker sends them. In
    the pass's transaction: a pass that rolls back leaves no message. Returns the messages queued.
    `people`: the alerts' cases (plain rows: a pass may concern tens of thousands of cases) and the
    heads and leaders, as alert_people read them for the bells."""
    if not fresh:
        return 0
    cases, heads, leaders = people
    texts = _alert_texts(get_language())
    grouped, kinds = {}, {k.value: k for k in AlertKind}
    for case_id, kind, day in fresh:
        case, kind = cases[case_id], kinds[kind]
        for person in recipients(case, kind, heads, leaders):
            grouped.setdefault((person, kind), []).append((day, case_id))
    staff = addressees(pk for pk, _kind in grouped)
    notices, wanted = [], reachable(staff.values(), topics=set(ALERT_TOPICS.values()))
    for (pk, kind), items in grouped.items():
        if (pk, ALERT_TOPICS[kind]) not in wanted:
            continue  # no channel or no address: nothing to render
        items.sort()
        # A message lists the first cases and counts the rest: the bell and the lists show them all.
        lines = [render_alert(cases[c], kind, d, today=today, texts=texts) for d, c in items[:ALERTS_LISTED]]
        if len(items) > ALERTS_LISTED:
            lines.append(texts["more"] % {"n": len(items) - ALERTS_LISTED})
        ids = ",".join(f"{c}:{d}" for d, c in items)
        notices.append(
            Notice(
                recipient=staff[pk],
                topic=ALERT_TOPICS[kind],
                key=f"alert:{kind.value}:{today}:{hashlib.sha256(ids.encode()).hexdigest()[:24]}",
                subject=texts["subject", kind],
                body="\n".join(lines),
                sms_params={"kind": texts[kind], "count": str(len(items))},
            )
        )
    return enqueue(notices)


@lru_cache(maxsize=16)
def _alert_texts(language: str | None) -> dict:
    """The alerts' fixed words in one language, translated once (a pass renders thousands)."""
    texts = {
        "time limit": _("time limit"),
        "due today": _("due today"),
        "due tomorrow": _("due tomorrow"),
        "due in": _("due in %(n)d days"),
        "remind": _("%(kind)s: %(number)s %(title)s · time limit %(deadline)s (%(when)s)"),
        "more": _("and %(n)d more"),
    }
    texts |= {kind: str(kind.label) for kind in AlertKind}
    return texts | {("subject", kind): f"[{_('Sanwen')}] {texts[kind]}" for kind in AlertKind}


def render_alert(
    case: Case, kind: AlertKind, day, *, today: datetime.date | None = None, texts: dict | None = None
) -> str:
    """The alert's text, with the real time limit (a reminder sent late says how far off it is).
    `texts`: the fixed words in the language in force (`_alert_texts`), when rendering many."""
    today = today or timezone.localdate()
    texts = texts or _alert_texts(get_language())
    deadline = f" · {texts['time limit']} {case.deadline}" if case.deadline else ""
    if kind == AlertKind.REMIND and case.deadline:
        days = (case.deadline - today).days
        if days <= 0:
            when = texts["due today"]
        elif days == 1:
            when = texts["due tomorrow"]
        else:
            when = texts["due in"] % {"n": days}
        return texts["remind"] % {
            "kind": texts[kind],
            "number": case.number,
            "title": case.title,
            "deadline": case.deadline,
            "when": when,
        }
    return f"{texts[kind]} ({day}): {case.number} {case.title}{deadline}"


def _email_notices(limit: int = 5000) -> int:
    """Put the service notices (assigned, extensions, reopened) not yet handed on into the outbox
    (two queries and one bulk insert); `emailed_at` marks them handed on."""
    pending = list(
        Notification.objects.filter(emailed_at__isnull=True)
        .select_related("recipient", "case")
        .order_by("id")[:limit]
    )
    if not pending:
        return 0
    queued = enqueue(
        Notice(
            recipient=n.recipient,
            topic=notice_topic(n),
            key=f"notice:{n.pk}",
            subject=f"[{_('Sanwen')}] {n.get_kind_display()}",
            body=render_notice(n),
            sms_params={"kind": str(n.get_kind_display()), "count": "1"},
        )
        for n in pending
    )
    Notification.objects.filter(pk__in=[n.pk for n in pending]).update(emailed_at=timezone.now())
    return queued


def render_notice(n: Notification) -> str:
    if n.text:
        return n.text
    return f"{n.get_kind_display()}: {n.case.number} {n.case.title}" if n.case_id else n.get_kind_display()
