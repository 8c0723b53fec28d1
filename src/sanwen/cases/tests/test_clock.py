import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanwen.cases.clock import clock_pass
from sanwen.cases.models import Alert, AlertKind
from sanwen.cases.services import case_record_contact, case_resolve
from sanwen.core.permissions import Role

D = datetime.date


def alerts(kind, user=None):
    found = Alert.objects.filter(kind=kind)
    return found.for_user(user) if user else found


def test_the_owner_is_reminded_the_working_day_before_the_limit_once(world, assigned):
    staff = world.a.users[Role.STAFF]
    staff.email = "staff@example.org"
    staff.save()
    case = assigned("on_site", on=D(2026, 3, 2))  # limit Monday 9 March; reminder Friday 6 March
    assert clock_pass(today=D(2026, 3, 5)).reminded == 0
    result = clock_pass(today=D(2026, 3, 6))
    assert result.reminded == 1
    assert list(alerts(AlertKind.REMIND, staff).values_list("case", flat=True)) == [case.pk]
    # The pass e-mails every pending notice: the assignment and the reminder.
    assert sorted(m.subject for m in mail.outbox) == ["[三问三解] 交您办理", "[三问三解] 明日到期（催办）"]
    assert all(case.number in m.body and m.to == ["staff@example.org"] for m in mail.outbox)
    again = clock_pass(today=D(2026, 3, 6))
    assert (again.alerts, again.emailed) == (0, 0)
    assert alerts(AlertKind.REMIND).count() == 1


def test_an_overdue_case_goes_to_the_department_head_then_to_the_supervising_leader(world, assigned):
    a = world.a
    case = assigned("immediate", on=D(2026, 3, 5))  # limit Friday 6 March
    assert clock_pass(today=D(2026, 3, 6)).escalated == 0
    result = clock_pass(today=D(2026, 3, 9))  # the working day after the limit
    assert (result.escalated, result.escalated_to_leader) == (1, 0)
    assert list(alerts(AlertKind.ESCALATE, a.users[Role.DEPT_HEAD]).values_list("case", flat=True)) == [
        case.pk
    ]
    assert not alerts(AlertKind.ESCALATE, a.users[Role.STAFF]).exists()
    assert case.supervision(D(2026, 3, 9)) == 1
    assert clock_pass(today=D(2026, 3, 10)).escalated_to_leader == 0
    result = clock_pass(today=D(2026, 3, 11))  # two working days later
    assert result.escalated_to_leader == 1
    assert list(alerts(AlertKind.LEADER, a.users[Role.LEADER]).values_list("case", flat=True)) == [case.pk]
    case.refresh_from_db()
    assert case.supervision(D(2026, 3, 11)) == 2
    assert clock_pass(today=D(2026, 3, 12)).alerts == 0


def test_without_a_supervising_leader_every_leader_is_told(world, assigned):
    from sanwen.org.models import Rank
    from sanwen.org.services import staff_create

    second = staff_create(
        bureau=world.a.bureau,
        department=world.a.department,
        username="a_deputy",
        name="副局长",
        password=None,
        role=Role.LEADER,
        rank=Rank.LEADER,
    )
    world.a.department.supervisor = None
    world.a.department.save()
    assigned("immediate", on=D(2026, 3, 5))
    clock_pass(today=D(2026, 3, 11))
    assert alerts(AlertKind.LEADER, world.a.users[Role.LEADER]).count() == 1
    assert alerts(AlertKind.LEADER, second).count() == 1


def test_a_missed_day_is_caught_up(world, assigned):
    assigned("immediate", on=D(2026, 3, 5))
    clock_pass(today=D(2026, 3, 6))
    result = clock_pass(today=D(2026, 3, 12))  # nobody ran the clock on 9–11 March
    assert (result.escalated, result.escalated_to_leader) == (1, 1)


def test_the_timeline_shows_the_clocks_notices(client, world, assigned):
    case = assigned("immediate", on=D(2026, 3, 5))
    clock_pass(today=D(2026, 3, 11))
    client.force_login(world.a.users[Role.LEADER])
    timeline = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    assert "已超期（督办）" in timeline and "仍未办结（局领导督办）" in timeline


def test_a_resolved_case_is_neither_reminded_nor_supervised(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = assigned("on_site", on=D(2026, 3, 2))
    case_record_contact(case=case, by=staff, kind="on_site", on=D(2026, 3, 3))
    case_resolve(case=case, by=staff, resolution="已上门解决", on=D(2026, 3, 4))
    clock_pass(today=D(2026, 3, 3))
    result = clock_pass(today=D(2026, 3, 20))
    assert (result.reminded, result.escalated, result.escalated_to_leader) == (0, 0, 0)
    assert list(alerts(AlertKind.VISIT, staff).values_list("case", flat=True)) == [case.pk]


def test_follow_ups_due_are_notified(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = case_resolve(case=assigned("tracked"), by=staff, resolution="已解决", on=D(2026, 3, 6))
    clock_pass(today=D(2026, 3, 13))
    assert alerts(AlertKind.FOLLOW, staff).filter(case=case).count() == 1
    clock_pass(today=D(2026, 4, 6))
    assert alerts(AlertKind.FOLLOW, staff).filter(case=case).count() == 2


def test_a_pass_runs_the_same_queries_whatever_the_number_of_cases(world, assigned):
    def queries_for_a_pass(today):
        with CaptureQueriesContext(connection) as captured:
            clock_pass(today=today, send_email=False)
        return len(captured)

    from sanwen.cases.models import ClockRun

    assigned("immediate", on=D(2026, 3, 5))
    few = queries_for_a_pass(D(2026, 3, 11))
    for _ in range(30):
        assigned("immediate", on=D(2026, 3, 5))
        assigned("on_site", on=D(2026, 3, 2))
    ClockRun.objects.all().delete()  # both are first passes over everything due
    many = queries_for_a_pass(D(2026, 3, 11))
    assert many == few
    assert Alert.objects.filter(kind=AlertKind.ESCALATE).count() == 61  # 31 + 30 on-site ones


def test_the_command_runs_one_pass(world, assigned):
    assigned("immediate", on=D(2026, 3, 5))
    out = io.StringIO()
    call_command("clock", "--once", "--date", "2026-03-09", stdout=out)
    assert "1 cases supervised by the department head" in out.getvalue()


def test_a_case_accepted_after_its_limit_is_supervised_at_the_next_pass(world, register):
    from sanwen.cases.services import case_accept, case_assign

    clock_pass(today=D(2026, 3, 20))
    case = register("immediate", on=D(2026, 3, 2))  # limit 3 March, but nobody accepted it in time
    case = case_accept(case=case, by=world.a.users[Role.DEPT_HEAD], on=D(2026, 3, 20))
    case_assign(
        case=case, by=world.a.users[Role.DEPT_HEAD], owner=world.a.users[Role.STAFF], on=D(2026, 3, 20)
    )
    result = clock_pass(today=D(2026, 3, 20))
    assert (result.escalated, result.escalated_to_leader) == (1, 0)  # the department head at once
    assert clock_pass(today=D(2026, 3, 24)).escalated_to_leader == 1  # the leader two working days later
