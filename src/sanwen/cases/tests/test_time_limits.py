import datetime

import pytest
from django.core.exceptions import ValidationError

from sanwen.cases.models import Case, ExtensionState
from sanwen.cases.services import (
    case_accept,
    case_recompute_pending_limits,
    extension_decide,
    extension_request,
)
from sanwen.core.access import Role
from sanwen.core.models import CalendarDay, CalendarYear, DayKind, Notification

D = datetime.date


@pytest.mark.parametrize(
    ("code", "raised", "deadline"),
    [
        ("immediate", D(2025, 9, 30), D(2025, 10, 9)),  # National Day: 1–8 October off
        ("on_site", D(2025, 9, 30), D(2025, 10, 14)),  # 9, 10, 11 (Saturday, worked), 13, 14
        ("proactive", D(2026, 2, 12), D(2026, 3, 4)),  # Spring Festival with both make-up Saturdays
        ("multi_party", D(2026, 3, 2), D(2026, 4, 14)),  # 30 working days across Qingming (4–6 April)
        ("tracked", D(2025, 12, 31), D(2026, 1, 15)),  # New Year 1–3 January, Sunday 4 January worked
    ],
)
def test_time_limits_count_working_days_on_the_statutory_calendar(assigned, code, raised, deadline):
    case = assigned(code, on=raised)
    assert case.deadline == deadline


def test_the_reminder_and_supervision_days_are_working_days(assigned):
    case = assigned("proactive", on=D(2026, 2, 12))  # limit Wednesday 4 March
    assert case.remind_on == D(2026, 3, 3)
    assert case.escalate_on == D(2026, 3, 5)
    assert case.escalate_leader_on == D(2026, 3, 9)  # two working days later, over the weekend


def test_a_deadline_case_needs_an_explicit_working_day(world, register):
    head = world.a.users[Role.DEPT_HEAD]
    case = register("deadline")
    with pytest.raises(ValidationError, match="明确"):
        case_accept(case=case, by=head)
    with pytest.raises(ValidationError, match="不是工作日"):
        case_accept(case=case, by=head, deadline=D(2026, 4, 5))  # Qingming
    case = case_accept(case=case, by=head, deadline=D(2026, 4, 15))
    assert case.deadline == D(2026, 4, 15)


def test_a_limit_in_an_unknown_year_is_pending_and_computed_once_the_year_is_entered(world, assigned):
    case = assigned("multi_party", on=D(2026, 11, 27))  # 30 working days reach 2027
    assert case.deadline is None
    assert "2027" in case.deadline_pending
    assert Case.objects.exclude(deadline_pending="").count() == 1
    for day, kind in ((D(2027, 1, 1), DayKind.HOLIDAY),):
        CalendarDay.objects.create(date=day, kind=kind, name="元旦")
    CalendarYear.objects.create(year=2027)
    assert case_recompute_pending_limits() == 1
    case.refresh_from_db()
    assert case.deadline_pending == ""
    # 30 working days from Friday 27 November 2026, with 1 January 2027 off.
    assert case.deadline == D(2027, 1, 11)


def test_an_extension_is_asked_before_the_limit_and_approved_by_a_leader(world, assigned):
    staff, leader, head = world.a.users[Role.STAFF], world.a.users[Role.LEADER], world.a.users[Role.DEPT_HEAD]
    case = assigned("deadline", deadline=D(2026, 3, 16))
    with pytest.raises(ValidationError, match="理由"):
        extension_request(case=case, by=staff, until=D(2026, 3, 31), reason="", on=D(2026, 3, 10))
    with pytest.raises(ValidationError, match="之前"):
        extension_request(case=case, by=staff, until=D(2026, 3, 31), reason="等电信施工", on=D(2026, 3, 17))
    extension = extension_request(
        case=case, by=staff, until=D(2026, 3, 31), reason="等电信施工", on=D(2026, 3, 10)
    )
    assert Notification.objects.filter(recipient=leader, kind="extension_request").exists()
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        extension_decide(extension=extension, by=head, approve=True)
    extension = extension_decide(extension=extension, by=leader, approve=True, note="同意", on=D(2026, 3, 11))
    assert extension.state == ExtensionState.APPROVED
    case.refresh_from_db()
    assert case.deadline == D(2026, 3, 31)
    assert list(case.events.filter(kind__startswith="extension").values_list("kind", flat=True)) == [
        "extension_asked",
        "extension_approved",
    ]
