"""Figures that hold over time (SPEC §11, issue 14), as properties over records of many shapes:

- a closed period never changes: compute a month, perform later steps, compute it again — identical;
- periods include their last day, and the months of a quarter and of a year add up to it for every
  additive figure.

The records are made through the services (so each case's timeline is real), on working days of
2026 drawn by hypothesis; each example runs in a savepoint that is rolled back."""

import contextlib
import datetime

import chinese_calendar
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanwen.accountability.evidence import assessment_evidence
from sanwen.accountability.models import Commitment, ReportState, ViolationReport
from sanwen.accountability.scorecard import Period, Scope, compute
from sanwen.campaigns.models import HandlingMode, Prohibition
from sanwen.cases.models import Case, State
from sanwen.cases.services import (
    case_accept,
    case_assign,
    case_merge,
    case_record_contact,
    case_register,
    case_reopen,
    case_resolve,
    case_return_visit,
)
from sanwen.core.access import Role
from sanwen.core.calendar import WorkingCalendar
from sanwen.reports.stats import Filters
from sanwen.reports.stats import compute as stats_compute

D = datetime.date
ONE_DAY = datetime.timedelta(days=1)
TODAY = D(2026, 11, 20)


def _days(first, last, *, working=True):
    out, day = [], first
    while day <= last:
        if not working or chinese_calendar.is_workday(day):
            out.append(day)
        day += ONE_DAY
    return out


WORKING_2026 = _days(D(2026, 1, 5), D(2026, 10, 30))
JANUARY_WORKDAYS = _days(D(2026, 1, 5), D(2026, 1, 30))
LATER_DAYS = _days(D(2026, 2, 2), D(2026, 4, 30))
ANY_DAY_2026 = _days(D(2026, 1, 1), D(2026, 12, 31), working=False)
MONTH_ENDS = [D(2026, m, 1) - ONE_DAY for m in range(2, 13)] + [D(2026, 12, 31)]


def story_of(days):
    return st.fixed_dictionaries(
        {
            "raised": st.sampled_from(days),
            "mode": st.sampled_from(["immediate", "immediate", "on_site", "public"]),
            "accept_after": st.sampled_from([0, 0, 0, 2]),
            "resolve_after": st.one_of(st.none(), st.integers(0, 12)),
            "rating": st.sampled_from([None, "satisfied", "basic", "dissatisfied"]),
            "rate_after": st.sampled_from([1, 1, 3]),
        }
    )


STORY = story_of(WORKING_2026)
COMMITMENT = st.fixed_dictionaries(
    {
        "due": st.one_of(st.sampled_from(MONTH_ENDS), st.sampled_from(ANY_DAY_2026)),
        "state": st.sampled_from(["open", "kept", "partly", "not_kept"]),
        "closed_after": st.integers(-10, 20),
    }
)
VIOLATION = st.sampled_from(ANY_DAY_2026)
LATER = st.fixed_dictionaries(
    {
        "step": st.sampled_from(["resolve", "reopen", "rate_bad", "rate_good", "merge", "judge"]),
        "which": st.integers(0, 10),
        "day": st.sampled_from(LATER_DAYS),
    }
)
PROPERTY = settings(
    max_examples=10,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@contextlib.contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def _tell(world, story, calendar):
    """One case through the services as the story says."""
    a = world.a
    head, staff = a.users[Role.DEPT_HEAD], a.users[Role.STAFF]
    raised = story["raised"]
    case = case_register(
        bureau=a.bureau,
        by=staff,
        description="测试事项",
        ask_kind="need",
        source="phone",
        household=a.farmer,
        mode=HandlingMode.objects.get(campaign=a.campaign, code=story["mode"]),
        raised_on=raised,
    )
    accepted = calendar.add_working_days(raised, story["accept_after"])
    case = case_accept(case=case, by=head, on=accepted)
    case = case_assign(case=case, by=head, owner=staff, department=a.department, on=accepted)
    if story["resolve_after"] is None:
        return case
    resolved = calendar.add_working_days(accepted, story["resolve_after"])
    if story["mode"] == "on_site":
        case_record_contact(case=case, by=staff, kind="on_site", on=resolved)
    if story["mode"] == "public":
        from sanwen.cases.services import case_add_note

        case_add_note(case=case, by=staff, text="进展公开", public=True, on=resolved)
    case = case_resolve(case=case, by=staff, resolution="已解决", on=resolved)
    if story["rating"]:
        day = calendar.add_working_days(resolved, story["rate_after"])
        case = case_return_visit(case=case, by=staff, satisfaction=story["rating"], comment="意见", on=day)
    return case


def _commit(world, commitment):
    a = world.a
    closed = commitment["due"] + datetime.timedelta(days=commitment["closed_after"])
    Commitment.objects.create(
        bureau=a.bureau,
        campaign=a.campaign,
        staff=a.users[Role.STAFF],
        text="承诺",
        made_on=D(2026, 1, 1),
        due_on=commitment["due"],
        state=commitment["state"],
        closed_on=None if commitment["state"] == "open" else max(closed, D(2026, 1, 1)),
    )


def _violate(world, day):
    a = world.a
    ViolationReport.objects.create(
        bureau=a.bureau,
        campaign=a.campaign,
        prohibition=Prohibition.objects.get(campaign=a.campaign, code="gifts"),
        accused=a.users[Role.STAFF],
        description="收受馈赠",
        source="internal",
        received_on=day,
        state=ReportState.SUBSTANTIATED,
        concluded_on=day,
    )


# --- periods add up -------------------------------------------------------------------------

ADDITIVE_ZEROS = ("omission", "error", "breach")
ADDITIVE_STATS = ("cases", "resolved", "on_time", "rated", "satisfied", "basic", "dissatisfied")


def _additive(world, period):
    scope = Scope(bureau=world.a.bureau)
    zeros = compute(scope, period, TODAY)
    stats = stats_compute(Filters(bureau_ids=[world.a.bureau.pk], start=period.start, end=period.end))
    row = {code: zeros[code][None]["n"] for code in ADDITIVE_ZEROS}
    lapse = zeros["lapse"].get(None, {})
    row |= {"lapse": lapse.get("n", 0), "commitments": lapse.get("commitments", 0)}
    row |= {key: stats["figures"][key] for key in ADDITIVE_STATS}
    return row


def _sum(rows):
    return {key: sum(row[key] for row in rows) for key in rows[0]}


@PROPERTY
@given(
    stories=st.lists(STORY, min_size=1, max_size=6),
    commitments=st.lists(COMMITMENT, max_size=4),
    violations=st.lists(VIOLATION, max_size=2),
)
def test_the_months_of_a_quarter_and_of_a_year_add_up_to_it(world, stories, commitments, violations):
    calendar = WorkingCalendar.load()
    with rolled_back():
        for story in stories:
            _tell(world, story, calendar)
        for commitment in commitments:
            _commit(world, commitment)
        for day in violations:
            _violate(world, day)
        months = [_additive(world, Period.parse(f"2026-{m:02d}")) for m in range(1, 13)]
        quarters = [_additive(world, Period.parse(f"2026-Q{q}")) for q in range(1, 5)]
        for q, quarter in enumerate(quarters):
            assert _sum(months[3 * q : 3 * q + 3]) == quarter
        assert _sum(months) == _additive(world, Period.parse("2026")) == _sum(quarters)


def test_a_commitment_due_on_the_last_day_of_a_month_counts_in_that_month(world):
    _commit(world, {"due": D(2026, 1, 31), "state": "open", "closed_after": 0})
    scope = Scope(bureau=world.a.bureau)

    def lapsed(text):
        return compute(scope, Period.parse(text), TODAY)["lapse"][None]["commitments"]

    assert (lapsed("2026-01"), lapsed("2026-02"), lapsed("2026-Q1")) == (1, 0, 1)


# --- a closed period never changes -------------------------------------------------------------


def _later(world, later, calendar):
    """Perform a later step on one of the cases (or commitments) where the step applies."""
    a = world.a
    head, staff, leader = a.users[Role.DEPT_HEAD], a.users[Role.STAFF], a.users[Role.LEADER]
    cases = list(Case.objects.filter(bureau=a.bureau).order_by("pk"))
    if later["step"] == "judge":
        commitments = list(Commitment.objects.filter(bureau=a.bureau, state="open").order_by("pk"))
        if commitments:
            commitment = commitments[later["which"] % len(commitments)]
            Commitment.objects.filter(pk=commitment.pk).update(state="kept", closed_on=later["day"])
        return
    if not cases:
        return
    case = cases[later["which"] % len(cases)]
    day = max(later["day"], (case.resolved_on or case.raised_on) + ONE_DAY)
    day = calendar.working_day_from(day)
    step = later["step"]
    try:
        with transaction.atomic():
            if step == "resolve":
                if case.mode.code == "on_site":
                    case_record_contact(case=case, by=staff, kind="on_site", on=day)
                case_resolve(case=case, by=staff, resolution="后来办结", on=day)
            elif step == "reopen":
                case_reopen(case=case, by=leader, reason="复查", on=day)
            elif step in ("rate_bad", "rate_good"):
                satisfaction = "dissatisfied" if step == "rate_bad" else "satisfied"
                case_return_visit(case=case, by=staff, satisfaction=satisfaction, comment="后来回访", on=day)
            elif step == "merge":
                into = cases[(later["which"] + 1) % len(cases)]
                case_merge(case=case, into=into, by=head, on=day)
    except (ValidationError, PermissionDenied):
        pass  # the step does not apply to the case as it is


def _january(world):
    scope = Scope(bureau=world.a.bureau)
    january = Period.parse("2026-01")
    stats = stats_compute(Filters(bureau_ids=[world.a.bureau.pk], start=january.start, end=january.end))
    staff = world.a.users[Role.STAFF]
    return {
        "zeros": compute(scope, january, TODAY),
        "staff_zeros": compute(Scope(bureau=world.a.bureau, staff=staff), january, TODAY),
        "stats": stats,
        # The year's evidence as it stood on 31 January.
        "evidence": assessment_evidence(staff, 2026, today=D(2026, 1, 31)),
    }


@PROPERTY
@given(
    stories=st.lists(story_of(JANUARY_WORKDAYS), min_size=1, max_size=5),
    commitments=st.lists(st.sampled_from(_days(D(2026, 1, 1), D(2026, 1, 31), working=False)), max_size=3),
    later=st.lists(LATER, min_size=1, max_size=6),
)
def test_a_closed_month_never_changes_whatever_happens_later(world, stories, commitments, later):
    calendar = WorkingCalendar.load()
    with rolled_back():
        # Cases raised in January (some resolved or rated in February already), commitments due in it.
        for story in stories:
            _tell(world, story, calendar)
        for due in commitments:
            _commit(world, {"due": due, "state": "open", "closed_after": 0})
        before = _january(world)
        for step in sorted(later, key=lambda s: s["day"]):
            _later(world, step, calendar)
        assert _january(world) == before


def test_a_case_resolved_late_stays_in_its_month_when_reopened_reresolved_and_rated(world):
    calendar = WorkingCalendar.load()
    story = {
        "raised": D(2026, 1, 5),
        "mode": "immediate",
        "accept_after": 0,
        "resolve_after": 10,
        "rating": "satisfied",
        "rate_after": 1,
    }
    case = _tell(world, story, calendar)
    before = _january(world)
    assert before["zeros"]["delay"][None]["n"] == 1 and before["stats"]["figures"]["resolved"] == 1
    case_reopen(case=case, by=world.a.users[Role.LEADER], reason="复查", on=D(2026, 3, 10))
    assert Case.objects.get(pk=case.pk).state == State.IN_PROGRESS
    assert _january(world) == before
    march = compute(Scope(bureau=world.a.bureau), Period.parse("2026-03"), TODAY)
    assert march["error"][None]["n"] == 1  # the reopening counts in March
