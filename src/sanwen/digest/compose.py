"""The daily digest (每日简报) for leaders, department heads and inspectors: overdue cases, cases due
on the next working day, the month's quota shortfalls so far, and — for inspectors only — the new
integrity reports. Every list is read through the access policy as its recipient would read it (a
leader: the bureau; a department head: their department; an inspector: the register, never a report
about themselves). A few queries per recipient; a bureau has a handful of them."""

import datetime

from django.utils.translation import gettext as _

from sanwen.accountability.models import ViolationReport
from sanwen.cases.models import Case
from sanwen.core.access import Role, reads_integrity, visible
from sanwen.core.calendar import WorkingCalendar
from sanwen.fieldwork.quota import quota_rows, short_only
from sanwen.notify.models import Topic
from sanwen.notify.outbox import Notice
from sanwen.org.models import Staff

LISTED = 10  # cases or people named in a section; the rest are counted


def recipients():
    return (
        Staff.objects.filter(
            is_active=True, bureau__isnull=False, role__in=(Role.LEADER, Role.DEPT_HEAD, Role.INSPECTOR)
        )
        .select_related("bureau", "department")
        .order_by("bureau_id", "pk")
    )


def _cases_section(title: str, cases, person) -> tuple[int, list[str]]:
    rows = list(cases.order_by("deadline", "pk").only("year", "sequence", "title", "deadline")[: LISTED + 1])
    total = cases.count() if len(rows) > LISTED else len(rows)
    if not total:
        return 0, []
    lines = [f"{title}: {total}"]
    lines += [f"  {c.number} {c.title} · {_('time limit')} {c.deadline}" for c in rows[:LISTED]]
    if total > LISTED:
        lines.append("  " + _("and %(n)d more") % {"n": total - LISTED})
    return total, lines


def digest_for(
    person, *, today: datetime.date, since: datetime.datetime, calendar: WorkingCalendar
) -> Notice | None:
    lines, figures = [], {"overdue": "0", "tomorrow": "0", "short": "0", "reports": "0"}
    if person.role in (Role.LEADER, Role.DEPT_HEAD):
        cases = visible(Case.objects.open(), person)
        if person.role == Role.DEPT_HEAD:
            cases = cases.filter(department_id=person.department_id)
        overdue, section = _cases_section(_("Overdue cases"), cases.filter(deadline__lt=today), person)
        lines += section
        next_day = calendar.next_working_day(today)
        tomorrow, section = _cases_section(
            _("Due on the next working day"), cases.filter(deadline=next_day), person
        )
        lines += section
        short = short_only(
            quota_rows(
                bureau_ids=[person.bureau_id],
                month=today,
                department_id=person.department_id if person.role == Role.DEPT_HEAD else None,
            )
        )
        people = list(short.order_by("department__order", "username")[: LISTED + 1])
        short_total = short.count() if len(people) > LISTED else len(people)
        if short_total:
            lines.append(_("Short of this month's field days so far") + f": {short_total}")
            lines += [f"  {p.name or p.username} {p.achieved}/{p.required}" for p in people[:LISTED]]
            if short_total > LISTED:
                lines.append("  " + _("and %(n)d more") % {"n": short_total - LISTED})
        figures |= {"overdue": str(overdue), "tomorrow": str(tomorrow), "short": str(short_total)}
    if person.role == Role.INSPECTOR and reads_integrity(person):
        reports = visible(ViolationReport.objects.filter(created_at__gte=since), person)
        count = reports.count()
        if count:
            lines.append(_("New integrity reports") + f": {count}")
        figures["reports"] = str(count)
    if not lines:
        return None
    return Notice(
        recipient=person,
        topic=Topic.DIGEST,
        key=f"digest:{today}",
        subject=f"[{_('Sanwen')}] {_('Daily digest')} {today}",
        body="\n".join(lines),
        sms_template="digest",
        sms_params=figures,
    )


def digest_notices(
    *, today: datetime.date, since: datetime.datetime, calendar: WorkingCalendar
) -> list[Notice]:
    out = []
    for person in recipients():
        notice = digest_for(person, today=today, since=since, calendar=calendar)
        if notice is not None:
            out.append(notice)
    return out
