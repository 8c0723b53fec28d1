import datetime
import io

from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanwen.cases.alerts import due_for, unread_count
from sanwen.cases.clock import clock_pass
from sanwen.cases.models import AlertKind, AlertMail, ClockRun
from sanwen.cases.services import case_record_contact, case_resolve
from sanwen.core.access import Role
from sanwen.notify.worker import deliver_all

D = datetime.date


def pass_and_send(**kwargs):
    """A clock pass, then the worker: the pass only queues messages (sanwen.notify)."""
    result = clock_pass(**kwargs)
    deliver_all()
    return result


def due(user, today, kind=None):
    rows = due_for(user, today=today, since=today - datetime.timedelta(days=30))
    return [
        (row["alert_case"], AlertKind(row["alert_kind"]))
        for row in rows
        if kind is None or row["alert_kind"] == kind
    ]


def with_email(person, address):
    person.email = address
    person.save(update_fields=["email"])
    return person


def test_the_owner_is_reminded_the_working_day_before_the_limit(world, assigned):
    staff = with_email(world.a.users[Role.STAFF], "staff@example.org")
    case = assigned("on_site", on=D(2026, 3, 2))  # limit Monday 9 March; reminder Friday 6 March
    assert due(staff, D(2026, 3, 5)) == []
    assert due(staff, D(2026, 3, 6)) == [(case.pk, AlertKind.REMIND)]
    assert due(world.a.users[Role.DEPT_HEAD], D(2026, 3, 6)) == []
    result = pass_and_send(today=D(2026, 3, 6))
    assert result.reminded == 1
    # The pass e-mails the reminder and the earlier "assigned to you" notice, once.
    assert sorted(m.subject for m in mail.outbox) == ["[三问三解] 交您办理", "[三问三解] 时限将到（催办）"]
    reminder = next(m for m in mail.outbox if "催办" in m.subject)
    assert "2026-03-09" in reminder.body and "3天后到期" in reminder.body  # the real limit, 3 days off
    assert all(case.number in m.body and m.to == ["staff@example.org"] for m in mail.outbox)
    assert pass_and_send(today=D(2026, 3, 6)).emailed == 0
    assert len(mail.outbox) == 2 and AlertMail.objects.count() == 1


def test_an_overdue_case_goes_to_the_department_head_then_to_the_supervising_leader(world, assigned):
    a = world.a
    head, leader = a.users[Role.DEPT_HEAD], a.users[Role.LEADER]
    case = assigned("immediate", on=D(2026, 3, 5))  # limit Friday 6 March
    assert due(head, D(2026, 3, 6), AlertKind.ESCALATE) == []
    assert due(head, D(2026, 3, 9), AlertKind.ESCALATE) == [(case.pk, AlertKind.ESCALATE)]  # the day after
    assert due(a.users[Role.STAFF], D(2026, 3, 9), AlertKind.ESCALATE) == []
    assert case.supervision(D(2026, 3, 9)) == 1
    assert due(leader, D(2026, 3, 10), AlertKind.LEADER) == []
    assert due(leader, D(2026, 3, 11), AlertKind.LEADER) == [
        (case.pk, AlertKind.LEADER)
    ]  # two working days on
    assert case.supervision(D(2026, 3, 11)) == 2
    result = pass_and_send(today=D(2026, 3, 11))
    assert (result.escalated, result.escalated_to_leader) == (1, 1)


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
    case = assigned("immediate", on=D(2026, 3, 5))
    for leader in (world.a.users[Role.LEADER], second):
        assert due(leader, D(2026, 3, 11), AlertKind.LEADER) == [(case.pk, AlertKind.LEADER)]
    assert due(world.b.users[Role.LEADER], D(2026, 3, 11)) == []  # another bureau's leader


def test_e_mails_of_a_missed_day_are_caught_up_and_sent_once(world, assigned):
    with_email(world.a.users[Role.DEPT_HEAD], "head@example.org")
    assigned("immediate", on=D(2026, 3, 5))
    pass_and_send(today=D(2026, 3, 6))
    mail.outbox.clear()
    pass_and_send(today=D(2026, 3, 12))  # nobody ran the clock on 9–11 March
    assert [m.to for m in mail.outbox] == [["head@example.org"]]
    pass_and_send(today=D(2026, 3, 12))
    assert len(mail.outbox) == 1


def test_the_bell_counts_what_the_clock_issued_since_last_read(client, world, assigned):
    head, leader, staff = (world.a.users[r] for r in (Role.DEPT_HEAD, Role.LEADER, Role.STAFF))
    assigned("immediate", on=D(2026, 3, 5))  # limit Friday 6 March: supervised from Monday 9 March
    clock_pass(today=D(2026, 3, 6))  # the owner's reminder (the day of the limit, caught up)
    assert unread_count(head) == 0
    clock_pass(today=D(2026, 3, 9))
    assert unread_count(head) == 1 and unread_count(world.b.users[Role.DEPT_HEAD]) == 0
    clock_pass(today=D(2026, 3, 9))  # a second pass issues nothing again
    assert unread_count(head) == 1
    client.force_login(head)
    client.post(reverse("notifications_read"))
    assert unread_count(head) == 0
    clock_pass(today=D(2026, 3, 10))
    assert unread_count(head) == 0  # nothing new fell due
    clock_pass(today=D(2026, 3, 11))
    assert unread_count(leader) == 1  # the supervising leader, two working days on
    assert unread_count(head) == 0 and unread_count(staff) == 1  # the reminder, still unread


def test_the_bell_rings_for_whom_the_alerts_are_due(world, assigned):
    """Whatever the cases, after a pass each person's bell counts exactly what due_for shows them
    that fell due within the pass's days."""
    import random

    rng = random.Random(5)
    modes = ["immediate", "on_site", "proactive", "tracked"]
    for _ in range(12):
        case = assigned(rng.choice(modes), on=D(2026, 3, 2) + datetime.timedelta(days=rng.randrange(4)))
        if rng.random() < 0.3:
            case.department = None
            case.save(update_fields=["department"])
    ClockRun.objects.create(last_day=D(2026, 3, 6), passes=1)
    clock_pass(today=D(2026, 3, 13))
    for side in (world.a, world.b):
        for person in side.users.values():
            expected = due_for(person, today=D(2026, 3, 13), since=D(2026, 3, 6))
            mine = {(r["alert_case"], r["alert_kind"], r["alert_due"]) for r in expected}
            issued = {(m.case_id, m.kind, m.due) for m in AlertMail.objects.all()}
            assert unread_count(person) == len(mine & issued), person.role


def test_the_bell_costs_one_statement_whatever_the_cases(client, world, assigned):
    from django.test.utils import CaptureQueriesContext as Capture

    from sanwen.desk.context_processors import navigation

    leader = world.a.users[Role.LEADER]

    class Request:
        user = leader

    def queries():
        with Capture(connection) as captured:
            shown = navigation(Request())
            str(shown["unread_notifications"]), bool(shown["unread_notifications_more"])  # as rendered
        return [q["sql"] for q in captured]

    few = queries()
    for _ in range(20):
        assigned("immediate", on=D(2026, 3, 5))
    clock_pass(today=D(2026, 3, 12))
    many = queries()
    assert len(many) == len(few) == 1
    assert not any("cases_case" in sql for sql in many)


def test_the_bell_is_asked_only_by_a_page_that_shows_it(client, world, assigned):
    """A page with the navigation sends the bell's statement once; a fragment loaded into a page (the
    dashboard's figures) and the public portal, which show no bell, send none."""
    for _ in range(3):
        assigned("immediate", on=D(2026, 3, 5))
    clock_pass(today=D(2026, 3, 12))
    client.force_login(world.a.users[Role.LEADER])
    for path, shown in (
        (reverse("my_cases"), 1),
        (reverse("dashboard_duty"), 0),
        (reverse("portal_board", args=[world.a.bureau.code]), 0),
    ):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(path)
        assert response.status_code == 200, path
        assert sum("cases_bell" in q["sql"] for q in captured) == shown, path
        assert (b'id="bell"' in response.content) == bool(shown), path


def test_the_timeline_shows_the_reminder_and_supervision_days(client, world, assigned):
    case = assigned("immediate", on=D(2026, 3, 5))
    client.force_login(world.a.users[Role.LEADER])
    from sanwen.cases.views import timeline

    labels = [entry.kind_label for entry in timeline(case)]
    assert "已超期（督办）" in labels and "仍未办结（局领导督办）" in labels
    assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200


def test_a_resolved_case_is_neither_reminded_nor_supervised(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = assigned("on_site", on=D(2026, 3, 2))
    case_record_contact(case=case, by=staff, kind="on_site", on=D(2026, 3, 3))
    case_resolve(case=case, by=staff, resolution="已上门解决", on=D(2026, 3, 4))
    assert due(staff, D(2026, 3, 20)) == [(case.pk, AlertKind.VISIT)]
    assert due(world.a.users[Role.DEPT_HEAD], D(2026, 3, 20)) == []


def test_follow_ups_due_are_shown_to_the_owner(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = case_resolve(case=assigned("tracked"), by=staff, resolution="已解决", on=D(2026, 3, 6))
    assert due(staff, D(2026, 3, 13), AlertKind.FOLLOW) == [(case.pk, AlertKind.FOLLOW)]
    # +30 days is 5 April (清明, a holiday until the 6th): due on Tuesday 7 April.
    assert len(due(staff, D(2026, 4, 6), AlertKind.FOLLOW)) == 1
    assert len(due(staff, D(2026, 4, 7), AlertKind.FOLLOW)) == 2


def test_a_case_due_twice_the_same_day_is_one_alert_with_its_own_words(world, assigned):
    """Two follow-ups of a case falling on the same day: the pass logs, rings and writes one alert,
    and the message names the case as it stands (its number and title, read with the alert)."""
    from sanwen.cases.models import Bell, FollowUp

    staff = with_email(world.a.users[Role.STAFF], "staff@example.org")
    case = case_resolve(case=assigned("tracked"), by=staff, resolution="已解决", on=D(2026, 3, 6))
    day = FollowUp.objects.filter(case=case).order_by("due_on").values_list("due_on", flat=True).first()
    FollowUp.objects.create(case=case, due_on=day)  # a second one, the same day
    Bell.objects.filter(staff=staff).update(unread=0)
    ClockRun.objects.create(last_day=day - datetime.timedelta(days=1), passes=1)
    result = pass_and_send(today=day)
    assert result.follow_ups == 1
    assert AlertMail.objects.filter(case=case, kind=AlertKind.FOLLOW).count() == 1
    assert Bell.objects.get(staff=staff).unread == 1
    follow = [m for m in mail.outbox if str(AlertKind.FOLLOW.label) in m.subject]
    assert len(follow) == 1 and follow[0].body.count(case.number) == 1 and case.title in follow[0].body
    assert pass_and_send(today=day).follow_ups == 0  # logged: not again


def test_a_pass_runs_the_same_queries_whatever_the_number_of_cases(world, assigned):
    def first_pass(today):
        ClockRun.objects.all().delete()
        AlertMail.objects.all().delete()  # nothing issued yet
        with CaptureQueriesContext(connection) as captured:
            result = clock_pass(today=today, send_email=False)
        return len(captured), result

    assigned("immediate", on=D(2026, 3, 5))
    few, _result = first_pass(D(2026, 3, 11))
    for _ in range(30):
        assigned("immediate", on=D(2026, 3, 5))
        assigned("on_site", on=D(2026, 3, 2))
    many, result = first_pass(D(2026, 3, 11))
    assert many == few
    assert result.escalated == 61  # 31 + 30 on-site ones


def test_a_case_accepted_after_its_limit_is_supervised_from_that_day(world, register):
    from sanwen.cases.services import case_accept, case_assign

    with_email(world.a.users[Role.DEPT_HEAD], "head@example.org")
    pass_and_send(today=D(2026, 3, 20))
    case = register("immediate", on=D(2026, 3, 2))  # limit 3 March, but nobody accepted it in time
    case = case_accept(case=case, by=world.a.users[Role.DEPT_HEAD], on=D(2026, 3, 20))
    case_assign(
        case=case, by=world.a.users[Role.DEPT_HEAD], owner=world.a.users[Role.STAFF], on=D(2026, 3, 20)
    )
    assert due(world.a.users[Role.DEPT_HEAD], D(2026, 3, 20), AlertKind.ESCALATE) == [
        (case.pk, AlertKind.ESCALATE)
    ]
    mail.outbox.clear()
    pass_and_send(today=D(2026, 3, 20))  # the same day's next pass still e-mails it
    assert [m.to for m in mail.outbox] == [["head@example.org"]]
    assert due(world.a.users[Role.LEADER], D(2026, 3, 24), AlertKind.LEADER) == [(case.pk, AlertKind.LEADER)]


def test_the_command_runs_one_pass(world, assigned):
    assigned("immediate", on=D(2026, 3, 5))
    out = io.StringIO()
    call_command("clock", "--once", "--date", "2026-03-09", stdout=out)
    assert "1 cases to the department head's supervision" in out.getvalue()


def test_the_bell_in_one_statement_counts_what_the_policy_lets_each_person_read(world, assigned, monkeypatch):
    """The bell's two counts, sent together, equal each count asked alone, for every person of both
    bureaus and the platform's operator: the alerts the clock keeps, and the notices up to the cap
    (set to 2 here, so that a person with more sees the cap and the "more" mark)."""
    from sanwen.cases.alerts import unread_count
    from sanwen.core.access import visible
    from sanwen.core.models import Notification
    from sanwen.desk import context_processors
    from sanwen.org.models import Staff

    for k in range(4):  # each assignment notifies the staff member; the clock rings the bells later
        assigned("immediate", on=D(2026, 3, 2 + k))
    clock_pass(today=D(2026, 3, 20))
    monkeypatch.setattr(context_processors, "BELL_NOTICES_CAP", 2)
    operator = Staff.objects.create_user(username="bell-operator", password="x", is_superuser=True)
    people = [*world.a.users.values(), *world.b.users.values(), operator]
    seen = set()
    for person in people:
        notices = visible(Notification.objects.filter(read_at__isnull=True), person).count()
        alerts, counted = context_processors.bell(person)
        assert (alerts, counted) == (unread_count(person), min(notices, 2)), person

        class Request:
            user = person

        shown = context_processors.navigation(Request())
        assert shown["unread_notifications"] == alerts + counted
        assert shown["unread_notifications_more"] == (notices >= 2)
        seen.add((alerts > 0, notices > 2))
    # Someone with alerts, someone with more notices than the cap, someone with neither.
    assert any(a for a, _n in seen) and any(n for _a, n in seen) and (False, False) in seen, seen
