"""Every date derived from the calendar follows it when a year is entered or corrected (none on a
non-working day); reopening starts a fresh limit under every mode; the clock says what it did."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.clock import clock_pass
from sanwen.cases.models import Case, FollowUp
from sanwen.cases.services import (
    batch_add_case,
    batch_create,
    case_reopen,
    case_resolve,
    case_return_visit,
)
from sanwen.core.access import Role
from sanwen.core.calendar import WorkingCalendar
from sanwen.desk.calendar import calendar_year_enter
from sanwen.notify.worker import deliver_all

D = datetime.date
NEW_YEAR_2027 = {D(2027, 1, 1): ("holiday", "元旦")}
DERIVED = ("accept_due", "deadline", "remind_on", "escalate_on", "escalate_leader_on", "return_visit_due")


def pass_and_send(**kwargs):
    """A clock pass, then the worker: the pass only queues messages (sanwen.notify)."""
    result = clock_pass(**kwargs)
    deliver_all()
    return result


@pytest.fixture
def end_of_2026(monkeypatch):
    """Today is 31 December 2026 (cases can be raised up to it); 2027 is not known yet."""
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: D(2026, 12, 31))


def _working(day) -> bool:
    return WorkingCalendar.load().is_workday(day)


def test_entering_the_next_year_moves_every_derived_date_off_its_holidays(world, assigned, end_of_2026):
    staff = world.a.users[Role.STAFF]
    late_december = assigned("immediate", on=D(2026, 12, 28))  # limit 29 Dec, supervised 30 Dec
    assert late_december.escalate_leader_on == D(2027, 1, 1)  # a weekday guess: 2027 is unknown
    new_years_eve = assigned("immediate", on=D(2026, 12, 31))
    assert new_years_eve.accept_due is None and "2027" in new_years_eve.deadline_pending
    resolved = case_resolve(case=assigned("tracked", on=D(2026, 12, 24)), by=staff, resolution="已解决")
    assert resolved.return_visit_due == D(2027, 1, 1)
    calendar_year_enter(year=2027, days=NEW_YEAR_2027, source="国务院办公厅通知")
    late_december.refresh_from_db()
    new_years_eve.refresh_from_db()
    resolved.refresh_from_db()
    assert late_december.escalate_leader_on == D(2027, 1, 4)
    assert (new_years_eve.accept_due, new_years_eve.deadline) == (D(2027, 1, 4), D(2027, 1, 4))
    assert new_years_eve.escalate_on == D(2027, 1, 5) and new_years_eve.remind_on == D(2026, 12, 31)
    assert resolved.return_visit_due == D(2027, 1, 4)
    # A correction (7 January off as well) is followed too: limits, clock days and follow-ups.
    calendar_year_enter(year=2027, days=NEW_YEAR_2027 | {D(2027, 1, 7): ("holiday", "更正")})
    resolved.refresh_from_db()
    assert FollowUp.objects.filter(case=resolved).order_by("due_on").first().due_on == D(2027, 1, 8)
    for case in Case.objects.all():
        for name in DERIVED:
            day = getattr(case, name)
            assert day is None or _working(day), (case.number, name, day)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    holidays=st.sets(st.sampled_from([D(2027, 1, d) for d in range(1, 16) if D(2027, 1, d).weekday() < 5])),
    raised=st.lists(
        st.sampled_from([D(2026, 12, d) for d in (21, 22, 23, 24, 25, 28, 29, 30, 31)]), max_size=4
    ),
)
def test_no_derived_date_falls_on_a_day_off_whatever_the_year_says(
    world, assigned, end_of_2026, holidays, raised
):
    from django.db import transaction

    staff = world.a.users[Role.STAFF]
    with transaction.atomic():
        for number, day in enumerate(raised):
            case = assigned(["immediate", "on_site", "tracked", "proactive"][number % 4], on=day)
            if number % 2 and not case.deadline_pending:
                Case.objects.filter(pk=case.pk).update(on_site_visit_on=day, first_contact_on=day)
                case_resolve(case=case, by=staff, resolution="已解决", on=day)
        days = {d: ("holiday", "假日") for d in holidays} or NEW_YEAR_2027
        calendar_year_enter(year=2027, days=days)
        for case in Case.objects.all():
            for name in DERIVED:
                day = getattr(case, name)
                assert day is None or _working(day), (case.number, name, day)
            for follow_up in case.follow_ups.all():
                assert _working(follow_up.due_on)
        transaction.set_rollback(True)


@pytest.mark.parametrize("code", ["immediate", "on_site", "tracked", "proactive", "multi_party", "public"])
def test_reopening_starts_a_fresh_limit_from_the_reopening_day(world, assigned, code):
    staff, leader = world.a.users[Role.STAFF], world.a.users[Role.LEADER]
    if code == "proactive":  # 主动办 is owned by a leader or a department head
        staff = world.a.users[Role.DEPT_HEAD]
    case = assigned(code, on=D(2026, 3, 2), owner=staff)
    Case.objects.filter(pk=case.pk).update(on_site_visit_on=D(2026, 3, 2), first_contact_on=D(2026, 3, 2))
    if code == "public":
        from sanwen.cases.services import case_add_note

        case_add_note(case=case, by=staff, text="进展", public=True, on=D(2026, 3, 3))
    if code == "multi_party":
        from sanwen.cases.services import case_add_partner, partner_create

        partner = partner_create(bureau=world.a.bureau, by=leader, name="电信公司")
        case_add_partner(case=case, by=staff, partner=partner, contribution="改造网络", on=D(2026, 3, 3))
    case = case_resolve(case=case, by=staff, resolution="已解决", on=D(2026, 3, 4))
    case = case_reopen(case=case, by=leader, reason="复查未解决", on=D(2026, 5, 11))
    calendar = WorkingCalendar.load()
    days = HandlingMode.objects.get(campaign=world.a.campaign, code=code).time_limit_days
    assert case.deadline == calendar.add_working_days(D(2026, 5, 11), days)
    assert case.escalate_on == calendar.next_working_day(case.deadline)
    assert case.remind_on == calendar.previous_working_day(case.deadline)


def test_a_reopened_batch_or_deadline_case_gets_a_fresh_limit_and_is_not_supervised_at_once(world, assigned):
    staff, leader, head = world.a.users[Role.STAFF], world.a.users[Role.LEADER], world.a.users[Role.DEPT_HEAD]
    calendar = WorkingCalendar.load()
    batch = batch_create(
        bureau=world.a.bureau, by=head, title="展示柜配送", deadline=D(2026, 3, 20), owner=head
    )
    grouped = assigned("centralised", on=D(2026, 3, 2))
    grouped = batch_add_case(batch=batch, case=grouped, by=head, on=D(2026, 3, 2))
    assert grouped.deadline == D(2026, 3, 20)
    grouped = case_resolve(case=grouped, by=staff, resolution="已配送", on=D(2026, 3, 18))
    grouped = case_return_visit(
        case=grouped, by=staff, satisfaction="dissatisfied", comment="柜子坏了", on=D(2026, 4, 8)
    )
    days = HandlingMode.objects.get(campaign=world.a.campaign, code="centralised").time_limit_days
    assert grouped.deadline == calendar.add_working_days(D(2026, 4, 8), days)
    assert grouped.escalate_on > D(2026, 4, 8) and grouped.supervision(D(2026, 4, 9)) == 0
    # An explicit deadline of 10 working days (2 → 16 March) gives 10 working days again.
    explicit = assigned("deadline", on=D(2026, 3, 2), deadline=D(2026, 3, 16))
    explicit = case_resolve(case=explicit, by=staff, resolution="已办结", on=D(2026, 3, 13))
    explicit = case_reopen(case=explicit, by=leader, reason="复查", on=D(2026, 4, 20))
    assert explicit.deadline == calendar.add_working_days(D(2026, 4, 20), 10)
    assert explicit.supervision(D(2026, 4, 21)) == 0


def test_no_reminder_is_sent_on_a_day_off_and_a_pass_counts_what_it_sent(world, assigned):
    staff = world.a.users[Role.STAFF]
    staff.email = "staff@example.org"
    staff.save(update_fields=["email"])
    assigned("on_site", on=D(2026, 3, 2))  # limit Monday 9 March; reminder due Friday 6 March
    pass_and_send(today=D(2026, 3, 5))
    mail.outbox.clear()
    saturday = pass_and_send(today=D(2026, 3, 7))  # nobody ran the clock on Friday
    assert saturday.reminded == 0 and not saturday.working_day
    assert not [m for m in mail.outbox if "催办" in m.subject]
    monday = pass_and_send(today=D(2026, 3, 9))
    assert monday.reminded == 1 and "sent 1 reminders" in monday.summary()
    reminder = next(m for m in mail.outbox if "催办" in m.subject)
    assert "2026-03-09" in reminder.body and "今日到期" in reminder.body
    again = pass_and_send(today=D(2026, 3, 9))
    assert again.reminded == 0 and "sent 0 reminders" in again.summary()
