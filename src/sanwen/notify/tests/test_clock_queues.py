"""The clock queues its alerts in the outbox (it sends nothing itself): one message per person and kind
of alert, in a fixed number of queries however many alerts fall due."""

import datetime

from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanwen.campaigns.models import HandlingMode
from sanwen.cases import clock
from sanwen.cases.models import ClockRun
from sanwen.cases.services import case_accept, case_assign, case_register
from sanwen.core.access import Role
from sanwen.desk.clock import clock_pass
from sanwen.notify.models import Message, Status, Topic
from sanwen.notify.worker import deliver_all

D = datetime.date


def _assigned(world, n, on=None):
    on = on or D(2026, 3, 2)
    a = world.a
    mode = HandlingMode.objects.get(campaign=a.campaign, code="immediate")
    for _ in range(n):
        case = case_register(
            bureau=a.bureau,
            by=a.users[Role.STAFF],
            mode=mode,
            raised_on=on,
            description="订货系统经常登录不上，订不到货",
            ask_kind="need",
            source="phone",
            household=a.retailer,
        )
        case = case_accept(case=case, by=a.users[Role.DEPT_HEAD], on=on)
        case_assign(case=case, by=a.users[Role.DEPT_HEAD], owner=a.users[Role.STAFF], on=on)


def _addresses(world):
    for person in world.a.users.values():
        person.email = f"{person.username}@example.org"
        person.wecom_userid = person.username
        person.save()


def test_a_pass_queues_and_the_worker_sends(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["email"]
    _addresses(world)
    _assigned(world, 3)
    mail.outbox.clear()
    result = clock_pass(today=D(2026, 3, 11))  # overdue: the head's and the leader's supervision
    assert mail.outbox == []
    supervision = Message.objects.filter(topic=Topic.SUPERVISION)
    assert sorted(supervision.values_list("address", flat=True)) == [
        "a_dept_head@example.org",
        "a_leader@example.org",
    ]
    assert result.emailed == Message.objects.count()
    deliver_all()
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENT}
    assert len(mail.outbox) == Message.objects.count()
    head = next(m for m in mail.outbox if m.to == ["a_dept_head@example.org"] and "督办" in m.subject)
    assert head.body.count("2026-") >= 3  # the three cases, one line each
    clock_pass(today=D(2026, 3, 11))
    assert Message.objects.filter(status=Status.PENDING).count() == 0  # nothing new to say


def test_a_long_list_names_the_first_cases_and_counts_the_rest(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["wecom"]
    _addresses(world)
    _assigned(world, clock.ALERTS_LISTED + 5)
    clock_pass(today=D(2026, 3, 11))
    body = Message.objects.get(address="a_dept_head", topic=Topic.SUPERVISION).body
    assert len(body.splitlines()) == clock.ALERTS_LISTED + 1 and body.splitlines()[-1] == "另有 5 项"


def test_the_pass_queues_in_the_same_queries_whatever_the_number_of_alerts(world, settings):
    settings.NOTIFY_DEFAULT_CHANNELS = ["email", "wecom"]
    _addresses(world)

    def first_pass():
        ClockRun.objects.all().delete()
        Message.objects.all().delete()
        with CaptureQueriesContext(connection) as captured:
            clock_pass(today=D(2026, 3, 11))
        return [q["sql"][:150] for q in captured]

    _assigned(world, 2)
    few = first_pass()
    from sanwen.cases.models import AlertMail

    AlertMail.objects.all().delete()
    _assigned(world, 40)
    AlertMail.objects.all().delete()
    many = first_pass()
    # The same statements, but for the outbox's INSERT, in batches of as many rows as the database
    # takes parameters (SQLite: 999 / the columns, ~55 rows a statement).
    inserts = [q for q in many if "notify_message" in q and q.startswith("INSERT")]
    assert len([q for q in many if q not in inserts]) == len(
        [q for q in few if "notify_message" not in q or not q.startswith("INSERT")]
    )
    assert len(inserts) <= 2 + Message.objects.count() // 50  # alerts, notices
