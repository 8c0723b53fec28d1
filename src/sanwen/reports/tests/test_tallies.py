"""The tallies kept on write give the dashboard the same figures as counting the rows: whatever the
cases (registered, accepted, resolved on time or late, on the spot, reopened, deleted, changed in bulk)
and whatever the period (whole months or not)."""

import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.utils import timezone

from sanwen.campaigns.models import HandlingMode
from sanwen.cases.models import Case, CaseEvent, OpenTally, State
from sanwen.cases.services import case_accept, case_assign, case_reopen, case_resolve
from sanwen.core.access import Role
from sanwen.reports.models import CaseTally, ResolutionTally
from sanwen.reports.stats import Filters, compute, split_months
from sanwen.reports.tests.test_stats import a_case

D = datetime.date
KEYS = ["cases", "suggestions", "resolved", "on_time", "on_the_spot", "ask_need", "ask_suggestion"]


def recount():
    """The tallies as the rows give them now."""
    merged = {}
    for case in Case.objects.all():
        key = (
            case.bureau_id,
            case.raised_on.replace(day=1),
            case.ask_kind,
            case.concern_kind,
            case.mode_id or 0,
            case.state,
        )
        merged[key] = merged.get(key, 0) + 1
    resolutions = {}
    for e in CaseEvent.objects.filter(kind="resolved").select_related("case"):
        key = (
            e.case.bureau_id,
            e.on.replace(day=1),
            bool(e.deadline and e.on <= e.deadline),
            e.case.resolved_on_the_spot,
        )
        resolutions[key] = resolutions.get(key, 0) + 1
    return merged, resolutions


def kept():
    cases, resolutions = {}, {}
    for t in CaseTally.objects.all():
        key = (t.bureau_id, t.month, t.ask_kind, t.concern_kind, t.mode_id, t.state)
        if t.n:
            cases[key] = cases.get(key, 0) + t.n
    for t in ResolutionTally.objects.all():
        if t.n:
            resolutions[(t.bureau_id, t.month, t.on_time, t.on_the_spot)] = t.n
    return cases, resolutions


def busy_bureau(world, rng, n=14):
    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    modes = list(
        HandlingMode.objects.filter(campaign=a.campaign, code__in=["immediate", "on_site", "proactive"])
    )
    cases = []
    for _ in range(n):
        raised = D(2026, 1, 5) + datetime.timedelta(days=rng.randrange(80))
        case = a_case(world, ask=rng.choice(["need", "suggestion"]), raised=raised)
        step = rng.random()
        if step > 0.2:
            on = raised + datetime.timedelta(days=rng.randrange(3))
            case = case_accept(case=case, by=head, mode=rng.choice(modes), on=on)
            case = case_assign(case=case, by=head, owner=staff, on=on)
            if step > 0.5:
                done = on + datetime.timedelta(days=rng.randrange(12))
                try:
                    case = case_resolve(
                        case=case,
                        by=staff,
                        resolution="已解决",
                        on=done,
                        evaluation="adopted",
                        evaluation_reason="可行",
                    )
                except ValidationError:  # a mode whose closing rule is not met: left open
                    cases.append(case)
                    continue
                if step > 0.85:
                    case = case_reopen(
                        case=case, by=head, reason="未办好", on=done + datetime.timedelta(days=1)
                    )
                    # Resolved again, once or twice, late or not; the days may go back (entered late).
                    for _again in range(rng.randrange(3)):
                        day = done + datetime.timedelta(days=rng.randrange(-4, 15))
                        case = case_resolve(
                            case=case,
                            by=staff,
                            resolution="再次解决",
                            on=day,
                            evaluation="adopted",
                            evaluation_reason="可行",
                        )
                        if rng.random() < 0.5:
                            day = day + datetime.timedelta(days=rng.randrange(-6, 4))
                            case = case_reopen(case=case, by=head, reason="仍未办好", on=day)
                        else:
                            break
        cases.append(case)
    return cases


@pytest.mark.parametrize("seed", range(4))
def test_the_tallies_match_the_rows_after_any_writes(world, seed):
    rng = random.Random(seed)
    cases = busy_bureau(world, rng)
    assert kept() == recount()
    # Changes the services do not make: in bulk, and deletions.
    victim = rng.choice(cases)
    Case.objects.filter(pk=victim.pk).update(resolved_on_the_spot=True)
    Case.objects.filter(pk__in=[c.pk for c in cases[:3]]).update(state=State.ARCHIVED)
    CaseEvent.objects.filter(case=cases[-1]).delete()
    Case.objects.filter(pk=cases[-1].pk).delete()
    assert kept() == recount()
    assert open_kept() == open_recount()


def open_recount():
    """OpenTally as the timeline's stamps give it now: each case's latest step it stands open after."""
    out = {}
    for e in CaseEvent.objects.filter(latest=True, open_after=True).select_related("case"):
        if e.deadline and e.on:
            key = (e.case.bureau_id, e.deadline, e.on)
            out[key] = out.get(key, 0) + 1
    return out


def open_kept():
    return {(t.bureau_id, t.deadline, t.on): t.n for t in OpenTally.objects.exclude(n=0)}


def month_recount():
    """cases.MonthTally as the rows give it now: late resolutions by their month, return visits missed
    (as things stand) by the month due, and SkippedStep's marks by their month."""
    from sanwen.cases.models import SkippedStep

    out = {}

    def count(bureau_id, kind, day):
        if bureau_id is not None and day is not None:
            key = (bureau_id, kind, day.replace(day=1))
            out[key] = out.get(key, 0) + 1

    for e in CaseEvent.objects.filter(kind="resolved"):
        if e.on and e.deadline and e.on > e.deadline:
            count(e.bureau_id, "late", e.on)
        if e.due_on and (e.answered_on is None or e.answered_on > e.due_on):
            count(e.bureau_id, "missed", e.due_on)
    for mark in SkippedStep.objects.all():
        count(mark.bureau_id, "skipped", mark.on)
    return out


def month_kept():
    from sanwen.cases.models import MonthTally

    return {(t.bureau_id, t.kind, t.month): t.n for t in MonthTally.objects.exclude(n=0)}


@pytest.mark.parametrize("seed", range(3))
def test_the_open_tally_follows_the_timeline_and_the_delay_figure_equals_the_listing(world, seed):
    """OpenTally after the services' steps, stamps rewritten in bulk, events deleted and a case moved to
    another bureau; and 零延误 of a bureau counted from it equals the cases it lists, for any day."""
    from sanwen.accountability.scorecard import Period, Scope, delay_cases
    from sanwen.accountability.scorecard import compute as zeros
    from sanwen.cases.models import restamp

    rng = random.Random(200 + seed)
    cases = busy_bureau(world, rng, n=18)
    assert open_kept() == open_recount()
    assert month_kept() == month_recount() and month_kept()
    scope = Scope(bureau=world.a.bureau)
    for _ in range(8):
        start = D(2026, 1, 1) + datetime.timedelta(days=rng.randrange(90))
        end = start + datetime.timedelta(days=rng.randrange(60))
        today = end + datetime.timedelta(days=rng.choice([-10, 0, 1, 30]))
        period = Period(start, end, "custom", "")
        counted = zeros(scope, period, today)["delay"][None]["n"]
        assert counted == delay_cases(scope, period, today).count(), (start, end, today)
    CaseEvent.objects.filter(case=rng.choice(cases), latest=True).update(deadline=D(2026, 1, 2))
    victim = rng.choice(cases)
    CaseEvent.objects.filter(case=victim).exclude(pk=victim.events.order_by("at", "id").first().pk).delete()
    restamp(victim.pk)
    Case.objects.filter(pk=rng.choice(cases).pk).update(bureau=world.b.bureau)
    assert open_kept() == open_recount()
    assert month_kept() == month_recount()
    # Return visits answered late or in time, and stamps rewritten in bulk.
    CaseEvent.objects.filter(kind="resolved", due_on__isnull=False).update(answered_on=F("due_on"))
    assert month_kept() == month_recount()
    CaseEvent.objects.filter(kind="resolved").update(answered_on=None, deadline=D(2026, 1, 3))
    assert month_kept() == month_recount()
    restamp()
    CaseEvent.objects.filter(case=rng.choice(cases)).delete()
    assert month_kept() == month_recount()


@pytest.mark.parametrize("seed", range(4))
def test_the_dashboard_from_the_tallies_equals_the_rows(world, seed):
    rng = random.Random(100 + seed)
    busy_bureau(world, rng)
    latest = max(CaseEvent.objects.values_list("on", flat=True))
    for _ in range(6):
        start = D(2026, 1, 1) + datetime.timedelta(days=rng.choice([0, 0, rng.randrange(60)]))
        # Today is after every step taken (no step is dated in the future): the period reaches it.
        end = latest + datetime.timedelta(days=rng.randrange(0, 40))
        f = Filters(bureau_ids=[world.a.bureau.pk], start=start, end=end)
        tallied = compute(f, today=end)  # a period reaching today: from the tallies
        counted = compute(f, today=end, rollups=False)  # from the rows
        past = compute(f, today=end + datetime.timedelta(days=1))  # a past period: state from the timeline
        assert past == counted, (start, end)
        for key in KEYS:
            assert tallied["figures"][key] == counted["figures"][key], (key, start, end)
        assert tallied["figures"]["by_state"] == counted["figures"]["by_state"], (start, end)
        assert tallied["figures"]["by_mode"] == counted["figures"]["by_mode"], (start, end)
        assert tallied["trends"] == counted["trends"]
        assert tallied["by_bureau"] == counted["by_bureau"]


def test_a_period_is_split_into_whole_months_and_its_edges():
    assert split_months(D(2026, 1, 1), D(2026, 3, 31)) == (D(2026, 1, 1), D(2026, 3, 1), [])
    assert split_months(D(2026, 1, 15), D(2026, 3, 31)) == (
        D(2026, 2, 1),
        D(2026, 3, 1),
        [(D(2026, 1, 15), D(2026, 1, 31))],
    )
    assert split_months(D(2026, 1, 1), D(2026, 3, 30)) == (
        D(2026, 1, 1),
        D(2026, 2, 1),
        [(D(2026, 3, 1), D(2026, 3, 30))],
    )
    assert split_months(D(2026, 1, 10), D(2026, 2, 20)) == (None, None, [(D(2026, 1, 10), D(2026, 2, 20))])
    for start in (D(2025, 12, 31) + datetime.timedelta(days=k) for k in range(0, 70, 3)):
        for length in range(0, 100, 7):
            end = start + datetime.timedelta(days=length)
            first, last, edges = split_months(start, end)
            days = set()
            for a, b in edges:
                days |= {a + datetime.timedelta(days=i) for i in range((b - a).days + 1)}
            if first is not None:
                day = first
                while day <= last or (day.month == last.month and day.year == last.year):
                    days.add(day)
                    day += datetime.timedelta(days=1)
            assert days == {start + datetime.timedelta(days=i) for i in range(length + 1)}, (start, end)


def visited_recount():
    """VisitedTally as the month rows give it: each active household's months, under the month before."""
    from sanwen.fieldwork.models import NO_VISIT_BEFORE, VisitedMonth

    out, last = {}, {}
    rows = VisitedMonth.objects.filter(household__active=True).order_by("household_id", "month")
    for v in rows.values("household_id", "bureau_id", "month"):
        before = last.get(v["household_id"], D.fromisoformat(NO_VISIT_BEFORE))
        key = (v["bureau_id"], v["month"], before)
        out[key] = out.get(key, 0) + 1
        last[v["household_id"]] = v["month"]
    return out


def visited_kept():
    from sanwen.fieldwork.models import VisitedTally

    return {(t.bureau_id, t.month, t.prev): t.n for t in VisitedTally.objects.exclude(n=0)}


@pytest.mark.parametrize("seed", range(3))
def test_the_visited_tally_follows_the_months_and_the_distance_figure_equals_the_listing(world, seed):
    """VisitedTally after months recorded in any order (a month between two others included), removed,
    and households deactivated and reactivated; and 零距离 of a bureau counted from it equals the
    households it lists, for any run of months."""
    from sanwen.accountability.scorecard import Period, Scope, households_not_visited
    from sanwen.accountability.scorecard import compute as zeros
    from sanwen.clients.models import Household
    from sanwen.clients.services import household_create
    from sanwen.fieldwork.models import VisitedMonth

    rng = random.Random(300 + seed)
    a = world.a
    for i in range(8):
        household_create(
            bureau=a.bureau, by=None, kind="farmer", name=f"农户{i}", township=a.township, village=a.village
        )
    households = list(Household.objects.filter(bureau=a.bureau))
    months = [D(2025, 9 + i, 1) if i < 4 else D(2026, i - 3, 1) for i in range(10)]
    for _ in range(40):
        VisitedMonth.objects.bulk_create(
            [VisitedMonth(household=rng.choice(households), bureau=a.bureau, month=rng.choice(months))],
            ignore_conflicts=True,
        )
    assert visited_kept() == visited_recount()
    scope = Scope(bureau=a.bureau)

    def same_figure():
        for _ in range(6):
            first = rng.randrange(len(months))
            last = rng.randrange(first, len(months))
            period = Period(months[first], months[last] + datetime.timedelta(days=20), "custom", "")
            today = period.end + datetime.timedelta(days=rng.choice([-30, 0, 5]))
            figure = zeros(scope, period, today)["distance"][None]
            assert figure["n"] == households_not_visited(scope, period, today).count(), (period, today)

    same_figure()
    for _ in range(6):
        VisitedMonth.objects.filter(pk=VisitedMonth.objects.order_by("?").values("pk")[:1]).delete()
    Household.objects.filter(pk__in=[h.pk for h in households[:3]]).update(active=False)
    assert visited_kept() == visited_recount()
    same_figure()
    Household.objects.filter(pk=households[0].pk).update(active=True)
    VisitedMonth.objects.bulk_create(
        [VisitedMonth(household=households[1], bureau=a.bureau, month=m) for m in months[3:6]],
        ignore_conflicts=True,
    )
    assert visited_kept() == visited_recount()
    same_figure()
    # A flush that empties the tally before the months (SQLite's flush deletes tables in any order)
    # leaves no row behind.
    from sanwen.fieldwork.models import VisitedTally

    VisitedTally.objects.all().delete()
    for month in VisitedMonth.objects.order_by("?"):  # one at a time, in any order
        month.delete()
    assert not VisitedTally.objects.exists()


def test_the_household_tally_follows_every_write_and_the_home_page_counts_from_it(client, world):
    """HouseholdTally after households are created, moved between bureaus, change kind, are
    deactivated in bulk and deleted; the home page's counts, read from it through the access policy,
    equal a count of the households each person may read."""
    from django.db.models import Count

    from sanwen.clients.models import Household, HouseholdTally
    from sanwen.clients.services import household_create
    from sanwen.core.access import visible

    def recount():
        rows = Household.objects.values_list("bureau_id", "kind", "active").annotate(n=Count("id")).order_by()
        return {(b, k, a): n for b, k, a, n in rows}

    def kept():
        return {(t.bureau_id, t.kind, t.active): t.n for t in HouseholdTally.objects.exclude(n=0)}

    a, b = world.a, world.b
    rng = random.Random(5)
    made = [
        household_create(
            bureau=a.bureau,
            by=None,
            kind=rng.choice(["farmer", "retailer"]),
            name=f"户{i}",
            township=a.township,
        )
        for i in range(12)
    ]
    assert kept() == recount()
    Household.objects.filter(pk__in=[h.pk for h in made[:4]]).update(active=False)
    Household.objects.filter(pk=made[5].pk).update(kind="retailer" if made[5].kind == "farmer" else "farmer")
    Household.objects.filter(pk=made[6].pk).update(bureau=b.bureau, township=b.township, village=b.village)
    Household.objects.filter(pk=made[7].pk).delete()
    assert kept() == recount()
    for person in (a.users[Role.LEADER], a.users[Role.STAFF], b.users[Role.LEADER]):
        client.force_login(person)
        shown = client.get("/").context["households"]
        readable = visible(Household.objects.filter(active=True), person)
        assert shown == {
            "total": readable.count(),
            "farmers": readable.filter(kind="farmer").count(),
            "retailers": readable.filter(kind="retailer").count(),
        }


def skipped_kept():
    from sanwen.cases.models import SkippedStep

    return {(s.event_id, s.case_id, s.bureau_id, s.on) for s in SkippedStep.objects.all()}


def skipped_recount():
    """The resolutions that skipped a step as 零疏忽's test reads them from the cases (all time)."""
    from sanwen.accountability.scorecard import Period, Scope, omission_events
    from sanwen.org.models import Bureau

    out = set()
    for bureau in Bureau.objects.all():
        skipped, _missed = omission_events(
            Scope(bureau=bureau), Period(D(2000, 1, 1), D(2100, 1, 1), "", ""), D(2100, 1, 1)
        )
        out |= {(e.pk, e.case_id, bureau.pk, e.on) for e in skipped.filter(case__bureau=bureau)}
    return out


@pytest.mark.parametrize("seed", range(3))
def test_the_skipped_steps_follow_every_write_and_omission_equals_the_rows(world, seed):
    """SkippedStep after resolutions made, a mode's rule unmet afterwards (batch, first contact, the
    visit at the client's place, partners, the public board, follow-ups left pending when archived),
    acceptance made late, a mode's rule changed, events deleted and a case moved to another bureau;
    and 零疏忽 of a bureau counted from it equals the rows, for any days."""
    from sanwen.accountability.scorecard import Period, Scope, _grouped, omission_events
    from sanwen.accountability.scorecard import compute as zeros
    from sanwen.campaigns.models import ClosingRule
    from sanwen.cases.models import CasePartner, FollowUp, Partner, SkippedStep

    rng = random.Random(400 + seed)
    from sanwen.accountability.tests.test_scorecard import handled

    busy_bureau(world, rng, n=16)
    for _ in range(6):  # and some resolved for certain, on any day, some accepted late
        raised = D(2026, 1, 5) + datetime.timedelta(days=rng.randrange(80))
        accepted = raised + datetime.timedelta(days=rng.choice([0, 0, 6]))
        handled(world, raised=raised, accepted=accepted, resolved=accepted + datetime.timedelta(days=2))
    resolved = list(Case.objects.filter(events__kind="resolved").distinct())
    assert skipped_kept() == skipped_recount()
    a = world.a
    scopes = [
        Scope(bureau=a.bureau),
        Scope(bureau=a.bureau, department=a.department),
        Scope(bureau=a.bureau, staff=a.users[Role.STAFF]),
    ]

    def same_figure():
        assert skipped_kept() == skipped_recount()
        assert month_kept() == month_recount()
        for _ in range(5):
            start = D(2026, 1, 1) + datetime.timedelta(days=rng.randrange(90))
            period = Period(start, start + datetime.timedelta(days=rng.randrange(70)), "custom", "")
            today = period.end + datetime.timedelta(days=rng.choice([-5, 0, 20]))
            for scope in scopes:
                counted = zeros(scope, period, today)["omission"][None]["n"]
                expected = _grouped(omission_events(scope, period, today), False)[None]["n"]
                assert counted == expected, (period, scope.label)

    same_figure()
    partner = Partner.objects.create(bureau=world.a.bureau, name="电信公司")
    modes = {m.closing_rule: m for m in HandlingMode.objects.filter(campaign=world.a.campaign)}
    for rule in (ClosingRule.IN_BATCH, ClosingRule.PARTNER, ClosingRule.PUBLIC_BOARD, ClosingRule.FOLLOW_UPS):
        if rule in modes:
            Case.objects.filter(pk=rng.choice(resolved).pk).update(mode=modes[rule])
    same_figure()
    assert SkippedStep.objects.exists(), "no resolution skipped a step: the test would prove nothing"
    for case in rng.sample(resolved, min(3, len(resolved))):
        CasePartner.objects.create(case=case, partner=partner, contribution="协助")
        FollowUp.objects.create(case=case, due_on=D(2026, 4, 1))
    Case.objects.filter(pk__in=[c.pk for c in resolved[:4]]).update(state=State.ARCHIVED, public=False)
    same_figure()
    CasePartner.objects.filter(case=rng.choice(resolved)).delete()
    FollowUp.objects.filter(case__in=resolved[:2]).update(done_on=D(2026, 4, 2))
    Case.objects.filter(pk=rng.choice(resolved).pk).update(
        accepted_on=D(2026, 6, 1), accept_due=D(2026, 5, 1)
    )
    for mode in modes.values():  # rules swapped among the modes
        mode.closing_rule = rng.choice(list(modes))
        mode.save(update_fields=["closing_rule"])
    same_figure()
    victim = rng.choice(resolved)
    CaseEvent.objects.filter(case=victim, kind="resolved").update(on=D(2026, 3, 31))
    CaseEvent.objects.filter(case=rng.choice(resolved), kind="resolved").delete()
    Case.objects.filter(pk=rng.choice(resolved).pk).update(bureau=world.b.bureau)
    same_figure()
    # A flush in any order (SQLite's deletes tables one by one) leaves no row behind.
    SkippedStep.objects.all().delete()
    CasePartner.objects.all().delete()
    FollowUp.objects.all().delete()
    for event in CaseEvent.objects.order_by("?"):
        event.delete()
    assert not SkippedStep.objects.exists()


@pytest.mark.parametrize("seed", range(2))
def test_every_step_carries_its_cases_bureau_whatever_writes_it(world, seed):
    """CaseEvent.bureau, kept by triggers: after the services' steps, steps written in bulk with no
    bureau or a wrong one, a step moved to another case and cases moved to another bureau; and the
    scorecard's step counts of each bureau, read by it, equal those found through the cases."""
    from django.db.models import F

    from sanwen.accountability.scorecard import Period, Scope, _grouped, error_events, late_resolutions

    rng = random.Random(500 + seed)
    cases = busy_bureau(world, rng, n=12)
    b_case = a_case(world, ask="need", raised=D(2026, 2, 2))
    Case.objects.filter(pk=b_case.pk).update(bureau=world.b.bureau)

    def wrong():
        return list(CaseEvent.objects.exclude(bureau_id=F("case__bureau_id")).values_list("pk", flat=True))

    assert CaseEvent.objects.exists() and wrong() == []
    CaseEvent.objects.bulk_create(
        [
            CaseEvent(case=rng.choice(cases), at=timezone.now(), kind="note", on=D(2026, 3, 3)),
            CaseEvent(
                case=rng.choice(cases),
                bureau=world.b.bureau,
                at=timezone.now(),
                kind="reopened",
                on=D(2026, 3, 4),
            ),
        ]
    )
    assert wrong() == []
    CaseEvent.objects.filter(pk=CaseEvent.objects.filter(case=cases[0]).values("pk")[:1]).update(case=b_case)
    CaseEvent.objects.filter(case=cases[1]).update(bureau=world.b.bureau)  # a wrong bureau set by hand
    Case.objects.filter(pk__in=[c.pk for c in cases[2:5]]).update(bureau=world.b.bureau)
    assert wrong() == []
    assert not CaseEvent.objects.filter(bureau__isnull=True).exists()
    period, today = Period(D(2026, 1, 1), D(2026, 6, 30), "custom", ""), D(2026, 7, 1)
    for bureau in (world.a.bureau, world.b.bureau):
        scope = Scope(bureau=bureau)
        of_cases = CaseEvent.objects.filter(case__bureau=bureau, on__gte=period.start, on__lte=period.end)
        late = of_cases.filter(kind="resolved", on__gt=F("deadline"))
        for events, expected in (
            (late_resolutions(scope, period, today), late),
            (error_events(scope, period, today), of_cases.filter(kind="reopened")),
        ):
            assert set(events.values_list("pk", flat=True)) == set(expected.values_list("pk", flat=True))
            assert _grouped(events, False)[None]["n"] == expected.count()
    assert CaseEvent.objects.filter(kind="reopened", on=D(2026, 3, 4)).exists()


@pytest.mark.parametrize("seed", range(3))
def test_a_past_periods_cases_by_mode_and_state_are_as_they_stood_at_its_end(world, seed):
    """For a period that ended while its cases went on (steps after its end: accepted, resolved,
    reopened since), the dashboard's cases by mode and state read from the tallies and the timeline of
    the cases with a step since equal those read from every case's timeline; whatever day it is now."""
    rng = random.Random(600 + seed)
    busy_bureau(world, rng, n=18)
    days = sorted(set(CaseEvent.objects.values_list("on", flat=True)))
    moved_seen = 0
    for _ in range(6):
        start = D(2026, 1, 1) + datetime.timedelta(days=rng.choice([0, rng.randrange(40)]))
        end = rng.choice([d for d in days if d >= start] or [start])
        moved_seen += CaseEvent.objects.filter(on__gt=end, case__raised_on__range=(start, end)).count()
        f = Filters(bureau_ids=[world.a.bureau.pk], start=start, end=end)
        for today in (end + datetime.timedelta(days=1), end + datetime.timedelta(days=400)):
            tallied = compute(f, today=today)["figures"]
            counted = compute(f, today=today, rollups=False)["figures"]
            assert tallied["by_state"] == counted["by_state"], (start, end, today)
            assert tallied["by_mode"] == counted["by_mode"], (start, end, today)
    assert moved_seen, "no case had a step after a period's end: the test would prove nothing"
