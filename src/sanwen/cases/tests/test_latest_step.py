"""Each step of a case's timeline knows whether it is the case's latest and whether the case stood open
after it, and a resolution the day it was answered and whether a later step opened the case again
and whether it was resolved again later (`CaseEvent.latest`, `open_after`, `answered_on`, `opened_later`,
`resolved_later`, kept by `restamp` on every write):
checked against a walk of each timeline in Python, for steps taken in any order of days, back-dated
ones between others included."""

import contextlib
import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanwen.cases.models import ANSWERS, LIFECYCLE, OPEN_AFTER, CaseEvent, EventKind, State, restamp
from sanwen.cases.services import (
    case_add_note,
    case_archive,
    case_reopen,
    case_resolve,
    case_return_visit,
    case_start,
)
from sanwen.core.access import Role

FIRST = datetime.date(2026, 3, 2)
STEPS = st.lists(
    st.tuples(
        st.sampled_from(["note", "start", "resolve", "rate", "reopen", "archive"]),
        st.integers(0, 40),  # days after the case was raised: steps need not come in order of days
    ),
    max_size=8,
)


def _walk():
    """{event id: (latest, open_after)} from each case's timeline, in Python."""
    out = {}
    events = sorted(CaseEvent.objects.all(), key=lambda e: (e.case_id, e.at, e.id))
    for index, event in enumerate(events):
        last_step = None
        for earlier in events[: index + 1]:
            if earlier.case_id == event.case_id and earlier.kind in LIFECYCLE:
                last_step = earlier.kind
        is_latest = index + 1 == len(events) or events[index + 1].case_id != event.case_id
        answers = [
            e.on for e in events if e.case_id == event.case_id and e.kind in ANSWERS and e.pk > event.pk
        ]
        answered = min(answers) if answers and event.kind == EventKind.RESOLVED else None
        later = [e for e in events[index + 1 :] if e.case_id == event.case_id and e.kind in OPEN_AFTER]
        opened_later = bool(later) if event.kind == EventKind.RESOLVED else None
        again = [
            e for e in events[index + 1 :] if e.case_id == event.case_id and e.kind == EventKind.RESOLVED
        ]
        resolved_later = bool(again) if event.kind == EventKind.RESOLVED else None
        out[event.pk] = (is_latest, last_step in OPEN_AFTER, answered, opened_later, resolved_later)
    return out


def _stamps():
    return {
        e.pk: (e.latest, e.open_after, e.answered_on, e.opened_later, e.resolved_later)
        for e in CaseEvent.objects.all()
    }


def _take(case, step, day, people):
    head, staff = people
    case.refresh_from_db()
    # A step the rules refuse on that day is simply not taken.
    with contextlib.suppress(ValidationError, PermissionDenied), transaction.atomic():
        if step == "note":
            case_add_note(case=case, by=staff, text="进展", on=day)
        elif step == "start" and case.state in (State.ACCEPTED, State.ASSIGNED):
            case_start(case=case, by=staff, on=day)
        elif step == "resolve" and case.state in (State.ASSIGNED, State.IN_PROGRESS):
            case_resolve(case=case, by=staff, resolution="已解决", on=day)
        elif step == "rate" and case.state == State.RESOLVED:
            case_return_visit(case=case, by=staff, satisfaction="dissatisfied", comment="不满意", on=day)
        elif step == "reopen" and case.state in (State.RESOLVED, State.VISITED):
            case_reopen(case=case, by=head, reason="复查", on=day)
        elif step == "archive" and case.state == State.VISITED:
            case_archive(case=case, by=head, on=day)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(first=STEPS, second=STEPS)
def test_the_stamps_match_a_walk_of_each_timeline(world, assigned, first, second):
    people = (world.a.users[Role.DEPT_HEAD], world.a.users[Role.STAFF])
    with transaction.atomic():
        one, two = assigned(on=FIRST), assigned(on=FIRST + datetime.timedelta(days=1))
        for (step, after), case in [(s, one) for s in first] + [(s, two) for s in second]:
            _take(case, step, FIRST + datetime.timedelta(days=after), people)
        assert _stamps() == _walk()
        assert CaseEvent.objects.filter(latest=True).count() == 2
        transaction.set_rollback(True)


def test_restamp_repairs_any_stamps(world, assigned):
    """What `restamp` writes does not depend on what was there: every flag flipped, it puts them back."""
    case = assigned(on=FIRST)
    case = case_resolve(case=case, by=world.a.users[Role.STAFF], resolution="已解决", on=FIRST)
    case_return_visit(case=case, by=world.a.users[Role.STAFF], satisfaction="satisfied", comment="", on=FIRST)
    right = _stamps()
    assert right == _walk()
    for event in CaseEvent.objects.all():
        CaseEvent.objects.filter(pk=event.pk).update(
            latest=not event.latest, open_after=not event.open_after, answered_on=FIRST, opened_later=True
        )
    assert _stamps() != right
    restamp()
    assert _stamps() == right
