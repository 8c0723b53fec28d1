import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from sanwen.cases.models import Case, CaseEvent, EventKind, Satisfaction, State
from sanwen.cases.services import (
    CaseConflict,
    case_accept,
    case_archive,
    case_decline,
    case_merge,
    case_reopen,
    case_resolve,
    case_return_visit,
    case_start,
)
from sanwen.core.access import Role
from sanwen.core.models import AuditEvent, Notification

D = datetime.date


def kinds(case):
    return list(CaseEvent.objects.filter(case=case).values_list("kind", flat=True))


def test_a_case_goes_from_registration_to_archive_with_every_step_on_its_timeline(world, assigned):
    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    case = assigned("immediate")
    assert case.number == "2026-00001"
    assert case.state == State.ASSIGNED and case.owner == staff
    assert case.deadline == D(2026, 3, 3)  # one working day after Monday 2 March
    case = case_start(case=case, by=staff, on=D(2026, 3, 2))
    case = case_resolve(
        case=case, by=staff, resolution="联系电信公司修复了宽带，已能正常订货", on=D(2026, 3, 3)
    )
    assert case.return_visit_due == D(2026, 3, 4)
    case = case_return_visit(case=case, by=head, satisfaction=Satisfaction.SATISFIED, on=D(2026, 3, 4))
    case = case_archive(case=case, by=staff, on=D(2026, 3, 5))
    assert case.state == State.ARCHIVED
    assert kinds(case) == [
        EventKind.REGISTERED,
        EventKind.ACCEPTED,
        EventKind.ASSIGNED,
        EventKind.STARTED,
        EventKind.RESOLVED,
        EventKind.RETURN_VISIT,
        EventKind.ARCHIVED,
    ]
    events = CaseEvent.objects.filter(case=case)
    assert events.get(kind=EventKind.ACCEPTED).by == head and events.get(kind=EventKind.RESOLVED).by == staff
    assert AuditEvent.objects.filter(object_type="cases.case", object_id=str(case.pk)).count() >= 7
    assert Notification.objects.filter(recipient=staff, kind="assigned", case=case).count() == 1


def test_numbers_are_per_bureau_and_year(world, register, mode):
    from sanwen.cases.services import case_register

    first, second = register(), register()
    other = case_register(
        bureau=world.b.bureau,
        by=world.b.users[Role.STAFF],
        description="x",
        ask_kind="need",
        source="phone",
        mode=mode("immediate", world.b),
        raised_on=D(2026, 3, 2),
    )
    assert (first.number, second.number, other.number) == ("2026-00001", "2026-00002", "2026-00001")
    last_year = register(on=D(2025, 12, 1))
    assert last_year.number == "2025-00001"


def test_registration_refuses_bad_input_and_writes_nothing(world, register):
    before = Case.objects.count()
    with pytest.raises(ValidationError) as info:
        register(description="  ", ask_kind="whatever", contact_phone="123")
    assert set(info.value.message_dict) >= {"description", "ask_kind", "contact_phone"}
    with pytest.raises(ValidationError):
        register(household=world.b.farmer)  # another bureau's client
    with pytest.raises(ValidationError):
        register(on=D(2025, 6, 30))  # before the campaign
    assert Case.objects.count() == before


def test_an_inspector_cannot_register_cases(world, register):
    with pytest.raises(PermissionDenied):
        register(by=world.a.users[Role.INSPECTOR])


def test_a_case_is_resolved_on_the_spot_during_the_visit(world, register):
    case = register("immediate", resolve_on_the_spot="当场讲解了新的订货政策")
    assert case.state == State.RESOLVED and case.resolved_on_the_spot
    assert case.owner == world.a.users[Role.STAFF]


def test_declining_needs_a_reason(world, register):
    head = world.a.users[Role.DEPT_HEAD]
    case = register()
    with pytest.raises(ValidationError):
        case_decline(case=case, by=head, reason=" ")
    case = case_decline(case=case, by=head, reason="不属于烟草部门职责，已告知向市场监管部门反映")
    assert case.state == State.DECLINED


def test_a_forbidden_step_is_refused_with_the_reason(world, register, assigned):
    staff = world.a.users[Role.STAFF]
    case = register()
    with pytest.raises(ValidationError, match="不能"):
        case_resolve(case=case, by=world.a.users[Role.DEPT_HEAD], resolution="x")  # not accepted yet
    with pytest.raises(PermissionDenied):
        case_accept(case=assigned(), by=world.a.users[Role.INSPECTOR])
    other_staff_case = assigned(owner=world.a.users[Role.LEADER])
    with pytest.raises(PermissionDenied):
        case_resolve(case=other_staff_case, by=staff, resolution="x")  # not the owner


def test_a_dissatisfied_return_visit_reopens_the_case_with_a_fresh_limit(world, assigned):
    staff, head = world.a.users[Role.STAFF], world.a.users[Role.DEPT_HEAD]
    case = assigned("on_site")
    from sanwen.cases.services import case_record_contact

    case_record_contact(case=case, by=staff, kind="on_site", on=D(2026, 3, 3))
    case = case_resolve(case=case, by=staff, resolution="上门调试了订货软件", on=D(2026, 3, 4))
    with pytest.raises(ValidationError):
        case_return_visit(
            case=case, by=head, satisfaction=Satisfaction.DISSATISFIED, on=D(2026, 3, 5)
        )  # no reason
    case = case_return_visit(
        case=case, by=head, satisfaction=Satisfaction.DISSATISFIED, comment="还是经常掉线", on=D(2026, 3, 5)
    )
    assert case.state == State.IN_PROGRESS and case.reopened == 1
    assert case.deadline == D(2026, 3, 12)  # five working days from the reopening
    assert Notification.objects.filter(recipient=staff, kind="reopened").exists()
    assert EventKind.REOPENED in kinds(case)


def test_reopening_by_a_leader_and_merging_duplicates(world, register, assigned):
    head, staff = world.a.users[Role.DEPT_HEAD], world.a.users[Role.STAFF]
    case = assigned()
    case = case_resolve(case=case, by=staff, resolution="已解决", on=D(2026, 3, 3))
    with pytest.raises(ValidationError):
        case_reopen(case=case, by=head, reason="")
    case = case_reopen(case=case, by=head, reason="复查发现问题未根本解决", on=D(2026, 3, 4))
    assert case.state == State.IN_PROGRESS
    duplicate = register()
    duplicate = case_merge(case=duplicate, into=case, by=head)
    assert duplicate.state == State.MERGED and duplicate.merged_into == case
    with pytest.raises(ValidationError):
        case_merge(case=register(), into=duplicate, by=head)  # not into a merged case


def test_the_second_of_two_editors_gets_a_conflict_and_nothing_is_saved(world, register):
    head = world.a.users[Role.DEPT_HEAD]
    case = register()
    seen = case.version
    case_accept(case=case, by=head, expected_version=seen)
    with pytest.raises(CaseConflict, match="他人"):
        case_decline(case=case, by=head, reason="重复", expected_version=seen)
    case.refresh_from_db()
    assert case.state == State.ACCEPTED and case.decline_reason == ""


def test_suggestions_must_be_evaluated_with_a_reason(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = assigned(ask_kind="suggestion", description="建议在村里设烟叶收购临时点")
    with pytest.raises(ValidationError) as info:
        case_resolve(case=case, by=staff, resolution="已研究", on=D(2026, 3, 3))
    assert set(info.value.message_dict) == {"evaluation", "evaluation_reason"}
    case = case_resolve(
        case=case,
        by=staff,
        resolution="已研究",
        evaluation="partly",
        evaluation_reason="收购旺季在仁里村增设临时点",
        on=D(2026, 3, 3),
    )
    assert case.evaluation == "partly"
    assert Case.objects.suggestions().filter(evaluation="partly").count() == 1


def test_archiving_needs_the_return_visit(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = case_resolve(case=assigned(), by=staff, resolution="已解决", on=D(2026, 3, 3))
    with pytest.raises(ValidationError):
        case_archive(case=case, by=staff)
