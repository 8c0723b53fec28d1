"""The scorecard's case figures, counted in the database, against a straightforward recount: each
case's timeline walked step by step in Python, for random cases, periods and scopes."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from sanwen.accountability.scorecard import LIFECYCLE, OPEN_AFTER, Period, Scope, compute
from sanwen.accountability.tests.test_figures_over_time import (
    PROPERTY,
    STORY,
    TODAY,
    WORKING_2026,
    _tell,
    rolled_back,
)
from sanwen.cases.models import Case, CaseEvent, EventKind, State
from sanwen.cases.services import case_reopen
from sanwen.core.access import Role
from sanwen.core.calendar import WorkingCalendar

REOPENED_ON = datetime.date(2026, 11, 2)
SCOPES = ["bureau", "department", "staff", "head"]


def _scope(world, which):
    a = world.a
    return {
        "bureau": Scope(bureau=a.bureau),
        "department": Scope(bureau=a.bureau, department=a.department),
        "staff": Scope(bureau=a.bureau, staff=a.users[Role.STAFF]),
        "head": Scope(bureau=a.bureau, staff=a.users[Role.DEPT_HEAD]),
    }[which]


def _in_scope(case, scope):
    if case.bureau_id not in scope.bureau_ids:
        return False
    if scope.staff is not None:
        return case.owner_id == scope.staff.pk
    if scope.department is not None:
        return case.department_id == scope.department.pk
    return True


def _recount(scope, period, today):
    cutoff = min(period.end, today)
    delay = error = 0
    for case in Case.objects.all():
        if not _in_scope(case, scope):
            continue
        events = sorted(CaseEvent.objects.filter(case=case), key=lambda e: (e.at, e.id))
        in_period = [e for e in events if period.start <= e.on <= cutoff]
        error += sum(1 for e in in_period if e.kind == EventKind.REOPENED)
        late = any(e.kind == EventKind.RESOLVED and e.deadline and e.on > e.deadline for e in in_period)
        then = [e for e in events if e.on <= cutoff]
        steps = [e for e in then if e.kind in LIFECYCLE]
        open_then = case.raised_on <= cutoff and steps and steps[-1].kind in OPEN_AFTER
        overdue = open_then and then[-1].deadline is not None and then[-1].deadline < cutoff
        delay += bool(late or overdue)
    return {"delay": delay, "error": error}


@PROPERTY
@given(
    stories=st.lists(STORY, min_size=1, max_size=6),
    start=st.sampled_from(WORKING_2026),
    days=st.integers(0, 120),
    which=st.sampled_from(SCOPES),
)
def test_the_case_figures_match_a_recount_of_each_timeline(world, stories, start, days, which):
    calendar = WorkingCalendar.load()
    with rolled_back():
        cases = [_tell(world, story, calendar) for story in stories]
        # Some of them reopened later, so that the present differs from the timeline as it stood.
        for case in cases[::2]:
            case.refresh_from_db()
            if case.state in (State.RESOLVED, State.VISITED):
                case_reopen(case=case, by=world.a.users[Role.DEPT_HEAD], reason="复查", on=REOPENED_ON)
        period = Period(start, start + datetime.timedelta(days=days), "custom", "random")
        scope = _scope(world, which)
        figures = compute(scope, period, TODAY)
        counted = {code: figures[code].get(None, {}).get("n", 0) for code in ("delay", "error")}
        assert counted == _recount(scope, period, TODAY)
