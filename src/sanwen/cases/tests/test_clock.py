import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanwen.cases.clock import clock_pass
from sanwen.cases.models import CaseEvent, EventKind
from sanwen.cases.services import case_record_contact, case_resolve
from sanwen.core.models import Notification, NotificationKind
from sanwen.core.permissions import Role

D = datetime.date


def notes(kind):
    return Notification.objects.filter(kind=kind)


def test_the_owner_is_reminded_the_working_day_before_the_limit_once(world, assigned):
    staff = world.a.users[Role.STAFF]
    staff.email = "staff@example.org"
    staff.save()
    case = assigned("on_site", on=D(2026, 3, 2))  # limit Monday 9 March; reminder Friday 6 March
    assert clock_pass(today=D(2026, 3, 5)).reminded == 0
    result = clock_pass(today=D(2026, 3, 6))
    assert result.reminded == 1
    assert list(notes(NotificationKind.REMINDER).values_list("recipient", "case")) == [(staff.pk, case.pk)]
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REMINDED).count() == 1
    # The pass e-mails every pending notice: the assignment and the reminder.
    assert sorted(m.subject for m in mail.outbox) == ["[三问三解] 交您办理", "[三问三解] 明日到期（催办）"]
    assert all(case.number in m.body and m.to == ["staff@example.org"] for m in mail.outbox)
    again = clock_pass(today=D(2026, 3, 6))
    assert (again.reminded, again.notifications, again.emailed) == (0, 0, 0)
    assert CaseEvent.objects.filter(case=case, kind=EventKind.REMINDED).count() == 1


def test_an_overdue_case_goes_to_the_department_head_then_to_the_leaders(world, assigned):
    a = world.a
    case = assigned("immediate", on=D(2026, 3, 5))  # limit Friday 6 March
    assert clock_pass(today=D(2026, 3, 6)).escalated == 0
    result = clock_pass(today=D(2026, 3, 9))  # the working day after the limit
    assert result.escalated == 1 and result.escalated_to_leader == 0
    assert list(notes(NotificationKind.ESCALATION).values_list("recipient", flat=True)) == [
        a.users[Role.DEPT_HEAD].pk
    ]
    assert clock_pass(today=D(2026, 3, 10)).escalated_to_leader == 0
    result = clock_pass(today=D(2026, 3, 11))  # two working days later
    assert result.escalated_to_leader == 1
    assert list(notes(NotificationKind.ESCALATION_LEADER).values_list("recipient", flat=True)) == [
        a.users[Role.LEADER].pk
    ]
    case.refresh_from_db()
    assert case.escalation == 2
    assert CaseEvent.objects.filter(case=case, kind=EventKind.ESCALATED).count() == 2
    assert clock_pass(today=D(2026, 3, 12)).notifications == 0


def test_a_resolved_case_is_neither_reminded_nor_supervised(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = assigned("on_site", on=D(2026, 3, 2))
    case_record_contact(case=case, by=staff, kind="on_site", on=D(2026, 3, 3))
    case_resolve(case=case, by=staff, resolution="已上门解决", on=D(2026, 3, 4))
    result = clock_pass(today=D(2026, 3, 20))
    assert (result.reminded, result.escalated) == (0, 0)
    assert list(notes(NotificationKind.RETURN_VISIT_DUE).values_list("case", flat=True)) == [case.pk]


def test_follow_ups_due_are_notified(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = case_resolve(case=assigned("tracked"), by=staff, resolution="已解决", on=D(2026, 3, 6))
    clock_pass(today=D(2026, 3, 13))
    assert notes(NotificationKind.FOLLOW_UP_DUE).filter(case=case).count() == 1
    clock_pass(today=D(2026, 4, 6))
    assert notes(NotificationKind.FOLLOW_UP_DUE).filter(case=case).count() == 2


def test_a_pass_runs_the_same_queries_whatever_the_number_of_cases(world, assigned):
    def queries_for_a_pass(today):
        with CaptureQueriesContext(connection) as captured:
            clock_pass(today=today, send_email=False)
        return len(captured)

    assigned("immediate", on=D(2026, 3, 5))
    few = queries_for_a_pass(D(2026, 3, 11))
    for _ in range(30):
        assigned("immediate", on=D(2026, 3, 5))
        assigned("on_site", on=D(2026, 3, 2))
    many = queries_for_a_pass(D(2026, 3, 11))
    assert many == few
    assert Notification.objects.filter(kind=NotificationKind.ESCALATION).count() == 61  # 31 + 30 on-site ones


def test_the_command_runs_one_pass(world, assigned):
    assigned("immediate", on=D(2026, 3, 5))
    out = io.StringIO()
    call_command("clock", "--once", "--date", "2026-03-09", stdout=out)
    assert "supervised 1" in out.getvalue()
