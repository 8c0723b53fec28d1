"""Each six-zeros figure against hand-built records (month 2026-03, looked at on 15 April)."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from sanwen.accountability.models import Commitment, CommitmentState, ReportState, ViolationReport
from sanwen.accountability.scorecard import Period, Scope, card, compute, records
from sanwen.campaigns.models import HandlingMode, Prohibition
from sanwen.cases.models import Case, State
from sanwen.cases.services import (
    case_accept,
    case_assign,
    case_decline,
    case_record_contact,
    case_register,
    case_reopen,
    case_resolve,
    case_return_visit,
)
from sanwen.clients.services import household_create
from sanwen.core.access import Role
from sanwen.fieldwork.models import FieldDay, Meeting, VisitedMonth, VisitHousehold
from sanwen.fieldwork.services import meeting_record, visit_record

D = datetime.date
TODAY = D(2026, 4, 15)
MARCH = Period.parse("2026-03")
MARCH_2 = D(2026, 3, 2)


def a_case(world, *, mode="immediate", owner=None, **fields):
    a = world.a
    case = case_register(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        description="测试事项",
        ask_kind="need",
        source="visit",
        household=a.farmer,
        mode=HandlingMode.objects.get(campaign=a.campaign, code=mode),
        raised_on=D(2026, 3, 2),
    )
    fields.setdefault("owner", owner or a.users[Role.STAFF])
    fields.setdefault("department", a.department)
    Case.objects.filter(pk=case.pk).update(**fields)
    return case


def figure(world, code, scope=None, period=MARCH):
    scope = scope or Scope(bureau=world.a.bureau)
    return compute(scope, period, TODAY)[code][None]["n"]


@pytest.fixture
def staff(world):
    return world.a.users[Role.STAFF]


def handled(world, *, raised=MARCH_2, mode="immediate", accepted=None, resolved=None, rated=None):
    """A case through the services (so its timeline is real): registered, accepted and assigned to
    the staff member, resolved and rated on the days given."""
    a = world.a
    head, staff = a.users[Role.DEPT_HEAD], a.users[Role.STAFF]
    case = case_register(
        bureau=a.bureau,
        by=staff,
        description="测试事项",
        ask_kind="need",
        source="phone",
        household=a.farmer,
        mode=HandlingMode.objects.get(campaign=a.campaign, code=mode),
        raised_on=raised,
    )
    case = case_accept(case=case, by=head, on=accepted or raised)
    case = case_assign(case=case, by=head, owner=staff, department=a.department, on=accepted or raised)
    if mode == "on_site" and resolved:
        case_record_contact(case=case, by=staff, kind="on_site", on=resolved)
    if resolved:
        case = case_resolve(case=case, by=staff, resolution="已解决", on=resolved)
    if rated:
        day, satisfaction = rated
        case = case_return_visit(case=case, by=staff, satisfaction=satisfaction, comment="意见", on=day)
    return case


def test_delay_counts_late_resolutions_and_cases_open_past_their_limit(world, staff):
    late = handled(world, resolved=D(2026, 3, 12))  # limit 3 March
    handled(world, resolved=D(2026, 3, 3))  # on time
    overdue = handled(world, raised=D(2026, 3, 18))  # limit 19 March, still open
    handled(world, raised=D(2026, 3, 31))  # its limit is 1 April
    handled(world, raised=D(2026, 2, 24), resolved=D(2026, 2, 27))  # late in February
    declined = case_register(
        bureau=world.a.bureau,
        by=staff,
        description="不属于",
        ask_kind="need",
        source="phone",
        raised_on=D(2026, 3, 2),
    )
    case_decline(case=declined, by=world.a.users[Role.DEPT_HEAD], reason="不属于职责范围", on=D(2026, 3, 2))
    # Open past its limit at the end of March, resolved (late) in April: a delay of March too.
    resolved_later = handled(world, raised=D(2026, 3, 20), resolved=D(2026, 4, 2))
    assert figure(world, "delay") == 3
    assert set(records("delay", Scope(bureau=world.a.bureau), MARCH, TODAY).values_list("pk", flat=True)) == {
        late.pk,
        overdue.pk,
        resolved_later.pk,
    }
    assert figure(world, "delay", Scope(bureau=world.a.bureau, staff=world.a.users[Role.DEPT_HEAD])) == 0
    assert figure(world, "delay", Scope(bureau=world.a.bureau, staff=staff)) == 3
    assert figure(world, "delay", Scope(bureau=world.a.bureau, department=world.a.department)) == 3
    assert figure(world, "delay", Scope(bureau=world.b.bureau)) == 0


def test_a_case_resolved_late_stays_a_delay_of_its_month_when_reopened_later(world):
    january = Period.parse("2026-01")
    case = handled(world, raised=D(2026, 1, 5), resolved=D(2026, 1, 20))  # limit 6 January
    before = compute(Scope(bureau=world.a.bureau), january, TODAY)
    case_reopen(case=case, by=world.a.users[Role.LEADER], reason="复查未解决", on=D(2026, 3, 10))
    assert compute(Scope(bureau=world.a.bureau), january, TODAY) == before
    assert before["delay"][None]["n"] == 1


def test_omission_counts_closed_cases_that_skipped_a_step(world):
    rated = (D(2026, 3, 11), "satisfied")
    handled(world, resolved=D(2026, 3, 10), rated=rated)
    accepted_late = handled(
        world, accepted=D(2026, 3, 5), resolved=D(2026, 3, 10), rated=rated
    )  # due 3 March
    not_visited = handled(world, resolved=D(2026, 3, 10))
    # 上门办 without the visit at the client's place (a record from before the rule was checked).
    on_site = handled(world, mode="on_site", resolved=D(2026, 3, 10), rated=rated)
    Case.objects.filter(pk=on_site.pk).update(on_site_visit_on=None)
    handled(world, mode="on_site", resolved=D(2026, 3, 10), rated=rated)
    handled(world, raised=D(2026, 2, 23), accepted=D(2026, 2, 26), resolved=D(2026, 2, 27))  # February
    found = set(records("omission", Scope(bureau=world.a.bureau), MARCH, TODAY).values_list("pk", flat=True))
    assert found == {accepted_late.pk, not_visited.pk, on_site.pk}
    assert figure(world, "omission") == 3


def test_error_counts_each_reopening_and_dissatisfied_return_visit(world, staff):
    leader = world.a.users[Role.LEADER]
    reopened = handled(world, resolved=D(2026, 3, 3), rated=(D(2026, 3, 4), "satisfied"))
    case_reopen(case=reopened, by=leader, reason="复查", on=D(2026, 3, 9))
    unhappy = handled(world, resolved=D(2026, 3, 3), rated=(D(2026, 3, 4), "dissatisfied"))
    # Dissatisfied twice in March: two errors.
    case_resolve(case=unhappy, by=staff, resolution="再次处理", on=D(2026, 3, 10))
    case_return_visit(
        case=unhappy, by=staff, satisfaction="dissatisfied", comment="仍未解决", on=D(2026, 3, 11)
    )
    earlier = handled(world, raised=D(2026, 2, 2), resolved=D(2026, 2, 3), rated=(D(2026, 2, 4), "satisfied"))
    case_reopen(case=earlier, by=leader, reason="复查", on=D(2026, 2, 9))
    handled(world, resolved=D(2026, 3, 3), rated=(D(2026, 3, 4), "satisfied"))
    assert set(records("error", Scope(bureau=world.a.bureau), MARCH, TODAY).values_list("pk", flat=True)) == {
        reopened.pk,
        unhappy.pk,
    }
    assert figure(world, "error") == 3
    assert figure(world, "error", period=Period.parse("2026-02")) == 1
    assert figure(world, "error", period=Period.parse("2026-Q1")) == 4


def test_lapse_counts_quota_shortfalls_and_commitments_past_due(world, staff):
    a = world.a
    # Everyone but the staff member meets March's quota; the staff member has 3 of 18 days.
    for user in a.users.values():
        if user.role == Role.ADMIN:
            continue
        days = 3 if user == staff else 31
        FieldDay.objects.bulk_create(
            [
                FieldDay(bureau=a.bureau, staff=user, on=D(2026, 3, d), activity="测试")
                for d in range(1, days + 1)
            ]
        )
    for state, due in (
        (CommitmentState.OPEN, D(2026, 3, 15)),  # past due
        (CommitmentState.NOT_KEPT, D(2026, 3, 20)),
        (CommitmentState.KEPT, D(2026, 3, 20)),
        (CommitmentState.OPEN, D(2026, 4, 20)),  # due after March
    ):
        Commitment.objects.create(
            bureau=a.bureau,
            campaign=a.campaign,
            staff=staff,
            text="每月走访",
            made_on=D(2026, 3, 1),
            due_on=due,
            state=state,
        )
    result = compute(Scope(bureau=a.bureau), MARCH, TODAY)["lapse"][None]
    assert (result["n"], result["months"], result["commitments"]) == (3, 1, 2)
    assert list(
        records("quota", Scope(bureau=a.bureau), MARCH, TODAY, month=D(2026, 3, 1)).values_list(
            "pk", flat=True
        )
    ) == [staff.pk]
    # A month still under way has not failed yet.
    assert compute(Scope(bureau=a.bureau), MARCH, D(2026, 3, 20))["lapse"][None]["months"] == 0


def test_distance_counts_households_of_the_area_not_visited(world, staff):
    a = world.a
    second = household_create(
        bureau=a.bureau, by=None, kind="farmer", name="李四", township=a.township, village=a.village
    )
    visit_record(bureau=a.bureau, by=staff, on=D(2026, 3, 10), diary="走访", households=[a.farmer])
    mine = compute(Scope(bureau=a.bureau, staff=staff), MARCH, TODAY)["distance"][None]
    assert (mine["total"], mine["n"], mine["coverage"]) == (2, 1, 50.0)
    assert list(records("distance", Scope(bureau=a.bureau, staff=staff), MARCH, TODAY)) == [second]
    # The bureau's area is every household it serves (the retailer has no village but counts).
    bureau = compute(Scope(bureau=a.bureau), MARCH, TODAY)["distance"][None]
    assert (bureau["total"], bureau["n"]) == (3, 2)
    # The head has no contact point: no area, no coverage figure.
    head = compute(Scope(bureau=a.bureau, staff=a.users[Role.DEPT_HEAD]), MARCH, TODAY)["distance"][None]
    assert head["total"] == 0 and head["coverage"] is None


def test_distance_counts_face_to_face_contact_not_phone_calls(world, staff):
    a = world.a
    second = household_create(
        bureau=a.bureau, by=None, kind="farmer", name="李四", township=a.township, village=a.village
    )
    third = household_create(
        bureau=a.bureau, by=None, kind="farmer", name="王五", township=a.township, village=a.village
    )
    visit_record(
        bureau=a.bureau, by=staff, on=D(2026, 3, 10), diary="电话回访", households=[a.farmer], channel="phone"
    )
    # A meeting in their village: the households attending were met face to face.
    meeting_record(
        bureau=a.bureau,
        by=staff,
        kind="village",
        title="村民会",
        on=D(2026, 3, 12),
        place="村委",
        minutes="座谈",
        village=a.village,
        households=[second],
    )
    mine = compute(Scope(bureau=a.bureau, staff=staff), MARCH, TODAY)["distance"][None]
    assert (mine["total"], mine["n"]) == (3, 2)
    assert set(records("distance", Scope(bureau=a.bureau, staff=staff), MARCH, TODAY)) == {a.farmer, third}
    visit_record(bureau=a.bureau, by=staff, on=D(2026, 3, 20), diary="上门走访", households=[a.farmer])
    assert compute(Scope(bureau=a.bureau, staff=staff), MARCH, TODAY)["distance"][None]["n"] == 1
    # The month rows kept on write agree with a recount from the visits and meetings.
    recount = set(
        VisitHousehold.objects.filter(visit__channel="face").values_list("household_id", "on__month")
    ) | {(h.pk, 3) for h in Meeting.objects.get(title="村民会").households.all()}
    assert set(VisitedMonth.objects.values_list("household_id", "month__month")) == recount


def test_a_case_raised_during_a_face_to_face_visit_has_its_on_site_visit(world, staff):
    a = world.a
    on_site = HandlingMode.objects.get(campaign=a.campaign, code="on_site")
    item = {"kind": "difficulty", "text": "烤房漏雨", "household": a.farmer, "mode": on_site}
    visit_record(
        bureau=a.bureau, by=staff, on=D(2026, 3, 10), diary="走访", households=[a.farmer], items=[item]
    )
    visit_record(
        bureau=a.bureau,
        by=staff,
        on=D(2026, 3, 10),
        diary="电话",
        households=[a.farmer],
        channel="phone",
        items=[{**item, "text": "电话反映烤房漏雨"}],
    )
    face, phone = Case.objects.filter(mode=on_site).order_by("pk")
    head = a.users[Role.DEPT_HEAD]
    for case in (face, phone):
        case = case_accept(case=case, by=head, on=D(2026, 3, 10))
        case_assign(case=case, by=head, owner=staff, on=D(2026, 3, 10))
    assert face.contacts.get().kind == "on_site"
    case_resolve(case=face, by=staff, resolution="已修好", on=D(2026, 3, 11))
    with pytest.raises(ValidationError) as refused:
        case_resolve(case=phone, by=staff, resolution="已修好", on=D(2026, 3, 11))
    # The message says where the contact is recorded.
    assert "联系客户记录" in str(refused.value) and "上门走访" in str(refused.value)


def test_breach_counts_substantiated_violations(world, staff):
    a = world.a
    prohibition = Prohibition.objects.filter(campaign=a.campaign).first()
    for state, concluded in (
        (ReportState.SUBSTANTIATED, D(2026, 3, 18)),
        (ReportState.UNSUBSTANTIATED, D(2026, 3, 18)),
        (ReportState.SUBSTANTIATED, D(2026, 2, 18)),
        (ReportState.INVESTIGATING, None),
    ):
        ViolationReport.objects.create(
            bureau=a.bureau,
            campaign=a.campaign,
            prohibition=prohibition,
            accused=staff,
            description="收受烟农土特产",
            source="internal",
            received_on=D(2026, 2, 1),
            state=state,
            concluded_on=concluded,
        )
    assert figure(world, "breach") == 1
    assert figure(world, "breach", Scope(bureau=a.bureau, staff=staff)) == 1
    assert figure(world, "breach", Scope(bureau=a.bureau, staff=a.users[Role.LEADER])) == 0
    assert figure(world, "breach", period=Period.parse("2026-Q1")) == 2


def test_a_parent_bureau_sees_its_children_side_by_side(world, staff):
    a_case(world, state=State.IN_PROGRESS, deadline=D(2026, 3, 20))
    b = world.b
    other = case_register(
        bureau=b.bureau,
        by=b.users[Role.STAFF],
        description="测试",
        ask_kind="need",
        source="visit",
        raised_on=D(2026, 3, 2),
    )
    Case.objects.filter(pk=other.pk).update(state=State.IN_PROGRESS, deadline=D(2026, 3, 20))
    a_case(world, state=State.IN_PROGRESS, deadline=D(2026, 3, 21))
    city = world.a.bureau.parent
    result = card(Scope(bureau=city), MARCH, TODAY, children=True)
    labels = [label for label, _b in result.columns]
    assert labels[-1] == "合计" and len(labels) == 3
    delay = dict((code, cells) for code, _n, _d, cells in result.figures)["delay"]
    by_label = dict(zip(labels, [c["n"] for c in delay], strict=True))
    assert (
        by_label[world.a.bureau.short_name] == 2
        and by_label[world.b.bureau.short_name] == 1
        and by_label["合计"] == 3
    )


def test_periods_parse_months_quarters_and_years():
    assert Period.parse("2026-01") == Period(D(2026, 1, 1), D(2026, 1, 31), "month", "2026-01")
    assert Period.parse("2026-q2").end == D(2026, 6, 30)
    assert Period.parse("2024").months()[1] == D(2024, 2, 1)
    assert Period.parse("2025-07-01..2026-03-01") == Period(
        D(2025, 7, 1), D(2026, 3, 1), "custom", "2025-07-01..2026-03-01"
    )
    for bad in ("2026-13", "26-01", "2026-Q5", "", "2026-03-01..2026-02-01"):
        with pytest.raises(ValueError):
            Period.parse(bad)


def test_the_scorecard_runs_a_bounded_number_of_queries(world, staff, django_assert_max_num_queries):
    for _ in range(3):
        a_case(world, state=State.IN_PROGRESS, deadline=D(2026, 3, 20))
    with django_assert_max_num_queries(24):
        card(Scope(bureau=world.a.bureau), Period.parse("2026-Q1"), TODAY)
    for _ in range(30):
        a_case(world, state=State.IN_PROGRESS, deadline=D(2026, 3, 20))
    with django_assert_max_num_queries(24):
        card(Scope(bureau=world.a.bureau), Period.parse("2026-Q1"), TODAY)
