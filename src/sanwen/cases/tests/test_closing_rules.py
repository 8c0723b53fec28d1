import datetime

import pytest
from django.core.exceptions import ValidationError

from sanwen.cases.models import FollowUp, Satisfaction, State
from sanwen.cases.services import (
    batch_add_case,
    batch_create,
    batch_resolve,
    case_add_note,
    case_add_partner,
    case_archive,
    case_record_contact,
    case_resolve,
    case_return_visit,
    extension_request,
    follow_up_record,
    partner_create,
)
from sanwen.core.access import Role

D = datetime.date


def resolve(case, by, **kwargs):
    return case_resolve(case=case, by=by, resolution="已办结", on=kwargs.pop("on", D(2026, 3, 6)), **kwargs)


def test_centralised_cases_must_be_in_a_batch_and_resolve_together(world, assigned):
    a = world.a
    head, staff = a.users[Role.DEPT_HEAD], a.users[Role.STAFF]
    first, second = assigned("centralised"), assigned("centralised")
    with pytest.raises(ValidationError, match="批次"):
        resolve(first, staff)
    batch = batch_create(
        bureau=a.bureau, by=head, title="公安镇零售户订货难", deadline=D(2026, 3, 20), owner=head
    )
    for case in (first, second):
        batch_add_case(batch=batch, case=case, by=head)
    first.refresh_from_db()
    assert first.deadline == D(2026, 3, 20)
    resolved = batch_resolve(batch=batch, by=head, outcome="与电信协调升级了网络", on=D(2026, 3, 18))
    assert {c.state for c in resolved} == {State.RESOLVED}
    batch.refresh_from_db()
    assert batch.resolved_on == D(2026, 3, 18)


def test_proactive_cases_need_a_senior_owner_and_an_early_first_contact(world, assigned):
    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    junior = assigned("proactive")
    case_record_contact(case=junior, by=staff, kind="phone", on=D(2026, 3, 3))
    with pytest.raises(ValidationError, match="班子成员或部门负责人"):
        resolve(junior, staff)
    late = assigned("proactive", owner=head)
    case_record_contact(case=late, by=head, kind="phone", on=D(2026, 3, 5))  # 3 working days after 2 March
    with pytest.raises(ValidationError, match="晚于"):
        resolve(late, head)
    good = assigned("proactive", owner=head)
    case_record_contact(case=good, by=head, kind="on_site", on=D(2026, 3, 4))
    assert resolve(good, head).state == State.RESOLVED


def test_on_site_cases_need_a_visit_at_the_clients_place(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = assigned("on_site")
    case_record_contact(case=case, by=staff, kind="phone", on=D(2026, 3, 3))
    with pytest.raises(ValidationError, match="上门"):
        resolve(case, staff)
    case_record_contact(case=case, by=staff, kind="on_site", on=D(2026, 3, 4))
    assert resolve(case, staff).state == State.RESOLVED


def test_multi_party_cases_need_a_partner(world, assigned):
    a = world.a
    staff = a.users[Role.STAFF]
    case = assigned("multi_party")
    with pytest.raises(ValidationError, match="协作单位|合作"):
        resolve(case, staff)
    telecom = partner_create(bureau=a.bureau, by=staff, name="中国电信钟山分公司", kind="电信运营商")
    case_add_partner(case=case, by=staff, partner=telecom, contribution="为零售户开通了专线")
    assert resolve(case, staff).state == State.RESOLVED


def test_public_cases_need_a_public_progress_note(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = assigned("public")
    assert case.public
    case_add_note(case=case, by=staff, text="内部记录")
    with pytest.raises(ValidationError, match="公开"):
        resolve(case, staff)
    case_add_note(case=case, by=staff, text="已联系供货单位，本周内补货", public=True)
    assert resolve(case, staff).state == State.RESOLVED


def test_deadline_cases_cannot_resolve_while_an_extension_waits(world, assigned):
    staff = world.a.users[Role.STAFF]
    case = assigned("deadline", deadline=D(2026, 3, 31))
    extension_request(case=case, by=staff, until=D(2026, 4, 15), reason="需等待乡镇规划", on=D(2026, 3, 5))
    with pytest.raises(ValidationError, match="延期"):
        resolve(case, staff)


def test_tracked_cases_schedule_follow_ups_and_archive_only_when_all_are_recorded(world, assigned):
    staff, head = world.a.users[Role.STAFF], world.a.users[Role.DEPT_HEAD]
    case = resolve(assigned("tracked"), staff, on=D(2026, 3, 6))
    assert list(case.follow_ups.values_list("due_on", flat=True)) == [
        D(2026, 3, 13),
        D(2026, 4, 7),  # +30 days is 5 April (清明, off until the 6th): due the next working day
        D(2026, 6, 4),
    ]
    case = case_return_visit(case=case, by=head, satisfaction=Satisfaction.BASIC, on=D(2026, 3, 9))
    with pytest.raises(ValidationError, match="跟踪"):
        case_archive(case=case, by=staff)
    for follow_up in FollowUp.objects.filter(case=case):
        follow_up_record(follow_up=follow_up, by=staff, note="长势良好", on=follow_up.due_on)
    assert case_archive(case=case, by=staff).state == State.ARCHIVED
