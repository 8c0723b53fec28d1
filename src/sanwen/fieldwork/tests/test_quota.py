"""Quota arithmetic: the rank's quota less the working days of approved leave, never below zero, against
the distinct dates with a field day."""

import contextlib
import datetime

import pytest
from django.core.exceptions import ValidationError

from sanwen.core.access import Role
from sanwen.fieldwork.models import Channel, FieldDay, LeaveMonth
from sanwen.fieldwork.quota import quota_by_department, quota_rows, quota_totals
from sanwen.fieldwork.services import field_day_record, leave_decide, leave_request, leave_withdraw

D = datetime.date


def row(world, user, month):
    return quota_rows(bureau_ids=[world.a.bureau.pk], month=month).get(pk=user.pk)


def approved(world, user, start, end, kind="leave"):
    leave = leave_request(by=user, kind=kind, start=start, end=end, reason="家中有事")
    return leave_decide(leave=leave, by=world.a.users[Role.LEADER], approve=True, on=start)


def test_quotas_come_from_the_rank_rules(world):
    a = world.a
    assert row(world, a.users[Role.LEADER], D(2026, 3, 1)).required == 8
    assert row(world, a.users[Role.DEPT_HEAD], D(2026, 3, 1)).required == 13
    assert row(world, a.users[Role.STAFF], D(2026, 3, 1)).required == 18  # key staff


def test_a_changed_rule_changes_the_quota(world):
    world.a.campaign.quotas.filter(rank="leader").update(days_per_month=10)
    assert row(world, world.a.users[Role.LEADER], D(2026, 3, 1)).required == 10


def test_leave_across_a_month_end_lowers_both_months_by_their_working_days(world):
    staff = world.a.users[Role.STAFF]
    # Mon 30 March to Wed 8 April 2026: 2 working days in March; in April 1-3, 7, 8 (6 April is Qingming).
    approved(world, staff, D(2026, 3, 30), D(2026, 4, 8))
    march, april = row(world, staff, D(2026, 3, 1)), row(world, staff, D(2026, 4, 1))
    assert (march.leave_days, march.required) == (2, 16)
    assert (april.leave_days, april.required) == (5, 13)


def test_holidays_and_make_up_working_days_are_respected(world):
    staff = world.a.users[Role.STAFF]
    # Sun 28 Sept 2025 is a make-up working day, 1-8 Oct the National Day holiday, Sat 11 Oct a make-up day.
    approved(world, staff, D(2025, 9, 28), D(2025, 10, 11), kind="trip")
    assert row(world, staff, D(2025, 9, 1)).leave_days == 3
    assert row(world, staff, D(2025, 10, 1)).leave_days == 3
    assert row(world, staff, D(2025, 10, 1)).required == 15


def test_the_quota_never_goes_below_zero(world):
    leader = world.a.users[Role.LEADER]
    leave = leave_request(by=leader, kind="leave", start=D(2025, 8, 1), end=D(2025, 8, 31), reason="病假")
    leave_decide(leave=leave, by=_other_leader(world), approve=True)
    r = row(world, leader, D(2025, 8, 1))
    assert r.leave_days == 21 and r.required == 0 and r.shortfall == 0


def _other_leader(world):
    from sanwen.org.services import staff_create

    return staff_create(
        bureau=world.a.bureau,
        department=world.a.department,
        username="a_leader2",
        name="副局长",
        password=None,
        role=Role.LEADER,
        rank="leader",
    )


def test_pending_refused_and_withdrawn_leave_do_not_count(world):
    staff, leader = world.a.users[Role.STAFF], world.a.users[Role.LEADER]
    pending = leave_request(by=staff, kind="leave", start=D(2026, 3, 2), end=D(2026, 3, 3), reason="事假")
    assert row(world, staff, D(2026, 3, 1)).leave_days == 0
    leave_decide(leave=pending, by=leader, approve=False, note="三月任务重")
    assert row(world, staff, D(2026, 3, 1)).leave_days == 0
    later = approved(world, staff, D(2026, 3, 9), D(2026, 3, 10))
    assert row(world, staff, D(2026, 3, 1)).leave_days == 2
    leave_withdraw(leave=later, by=staff)
    assert row(world, staff, D(2026, 3, 1)).leave_days == 0
    assert not LeaveMonth.objects.exists()


def test_achieved_counts_distinct_dates(world, visit):
    a = world.a
    staff = a.users[Role.STAFF]
    visit(on=D(2026, 3, 2))
    visit(on=D(2026, 3, 2), households=[a.retailer])  # the same day again
    visit(on=D(2026, 3, 3))
    visit(on=D(2026, 3, 4), channel=Channel.PHONE)  # a phone call is not a day on site
    field_day_record(by=staff, staff=staff, on=D(2026, 3, 5), activity="检查烤房", village=a.village)
    r = row(world, staff, D(2026, 3, 1))
    assert (r.achieved, r.required, r.shortfall) == (3, 18, 15)


def test_a_second_field_day_on_one_date_is_refused(world):
    staff = world.a.users[Role.STAFF]
    field_day_record(by=staff, staff=staff, on=D(2026, 3, 5), activity="检查烤房")
    with pytest.raises(ValidationError):
        field_day_record(by=staff, staff=staff, on=D(2026, 3, 5), activity="又一次")


def test_totals_and_departments_are_summed_in_the_database(world, visit):
    a = world.a
    visit(on=D(2026, 3, 2), staff=[a.users[Role.STAFF], a.users[Role.LEADER]])
    rows = quota_rows(bureau_ids=[a.bureau.pk], month=D(2026, 3, 1))
    totals = quota_totals(rows)
    assert totals["staff"] == 4  # the administrator has no quota
    assert totals["achieved_days"] == 2
    assert totals["required_days"] == 8 + 13 + 18 + 18
    assert totals["short"] == 4
    (dept,) = list(quota_by_department(rows))
    assert dept["staff"] == 4 and dept["achieved_days"] == 2 and dept["short"] == 4


def test_nobody_approves_their_own_leave_and_staff_cannot_approve(world):
    staff, leader = world.a.users[Role.STAFF], world.a.users[Role.LEADER]
    own = leave_request(by=leader, kind="leave", start=D(2026, 3, 2), end=D(2026, 3, 2), reason="事假")
    with pytest.raises(ValidationError):
        leave_decide(leave=own, by=leader, approve=True)
    other = leave_request(by=staff, kind="leave", start=D(2026, 3, 9), end=D(2026, 3, 9), reason="事假")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        leave_decide(leave=other, by=world.a.users[Role.DEPT_HEAD], approve=True)


def test_overlapping_leave_is_refused(world):
    staff = world.a.users[Role.STAFF]
    leave_request(by=staff, kind="leave", start=D(2026, 3, 2), end=D(2026, 3, 6), reason="事假")
    with pytest.raises(ValidationError):
        leave_request(by=staff, kind="trip", start=D(2026, 3, 5), end=D(2026, 3, 9), reason="出差")


def test_the_month_counts_follow_every_way_field_days_are_written(world):
    """FieldMonth, kept by triggers, always equals a recount of the field days, whatever writes them:
    the service, bulk inserts, a queryset update moving days between people and months, deletes."""
    import random

    from django.db.models import Count
    from django.db.models.functions import TruncMonth

    from sanwen.fieldwork.models import FieldDay, FieldMonth

    a = world.a
    people = [a.users[Role.STAFF], a.users[Role.LEADER], a.users[Role.DEPT_HEAD]]
    rng = random.Random(7)

    def recount():
        rows = (
            FieldDay.objects.annotate(m=TruncMonth("on"))
            .values_list("staff_id", "m")
            .annotate(n=Count("id"))
            .order_by()
        )
        return {(s, m): n for s, m, n in rows}

    def kept():
        return {
            (s, m): n
            for s, m, n in FieldMonth.objects.exclude(days=0).values_list("staff_id", "month", "days")
        }

    days = [D(2026, 1, 1) + datetime.timedelta(days=i) for i in range(120)]
    for on in rng.sample(days, 30):
        person = rng.choice(people)
        field_day_record(by=person, staff=person, on=on, activity="走访")
    FieldDay.objects.bulk_create(
        FieldDay(bureau=a.bureau, staff=people[0], on=on, activity="批量")
        for on in days[:60]
        if not FieldDay.objects.filter(staff=people[0], on=on).exists()
    )
    assert kept() == recount()
    for _ in range(20):
        day = FieldDay.objects.order_by("?").first()
        target = rng.choice(people)
        free = [d for d in days if not FieldDay.objects.filter(staff=target, on=d).exists()]
        FieldDay.objects.filter(pk=day.pk).update(staff=target, on=rng.choice(free))
        assert kept() == recount()
    FieldDay.objects.filter(on__month=2).delete()
    FieldDay.objects.filter(pk__in=FieldDay.objects.filter(staff=people[1]).values("pk")[:3]).delete()
    assert kept() == recount()
    assert row(world, people[0], D(2026, 3, 1)).achieved == recount().get((people[0].pk, D(2026, 3, 1)), 0)


def test_the_totals_of_several_months_in_one_query_equal_each_month_counted_alone(
    world, django_assert_max_num_queries
):
    """quota_totals_by_month reads every month in one statement: the same totals as quota_totals month
    by month, for any set of months (leave, field days, months before the campaign and across a
    year's end, two bureaus), with or without a department or a person's filter."""
    import random

    a = world.a
    rng = random.Random(11)
    people = [a.users[Role.STAFF], a.users[Role.LEADER], a.users[Role.DEPT_HEAD]]
    days = [D(2025, 11, 1) + datetime.timedelta(days=i) for i in range(180)]
    for on in rng.sample(days, 60):
        person = rng.choice(people)
        with contextlib.suppress(ValidationError):  # that person's day is recorded already
            field_day_record(by=person, staff=person, on=on, activity="走访")
    approved(world, a.users[Role.STAFF], D(2026, 1, 26), D(2026, 2, 6))
    months = sorted({d.replace(day=1) for d in days})
    compare(world, rng, people, months, django_assert_max_num_queries)
    # Leave beyond the quota (nothing required), a person with leave and no field days, a rank whose
    # quota is nothing, more days than required, and people who do not count (inactive, administrator).
    approved(world, a.users[Role.DEPT_HEAD], D(2026, 3, 2), D(2026, 3, 31))
    approved(world, a.users[Role.DEPT_HEAD], D(2026, 4, 1), D(2026, 4, 3))
    FieldDay.objects.filter(staff=a.users[Role.DEPT_HEAD], on__month__in=[3, 4]).delete()
    a.campaign.quotas.filter(rank="leader").update(days_per_month=0)
    for on in days[100:130]:
        with contextlib.suppress(ValidationError):
            field_day_record(by=people[0], staff=people[0], on=on, activity="走访")
    people[2].__class__.objects.filter(pk=world.b.users[Role.STAFF].pk).update(is_active=False)
    compare(world, rng, people, months, django_assert_max_num_queries)


def compare(world, rng, people, months, django_assert_max_num_queries):
    from sanwen.fieldwork.quota import quota_totals_by_month

    a = world.a
    seen = set()
    for department, person in ((None, None), (a.department.pk, None), (None, people[0])):
        for _ in range(4):
            chosen = sorted(rng.sample(months, rng.randrange(1, len(months) + 1)))
            asked = {
                "bureau_ids": [a.bureau.pk, world.b.bureau.pk] if department is None else [a.bureau.pk],
                "months": chosen,
                "department_id": department,
                "staff_id": person.pk if person else None,
            }
            # Tallies out of date or missing are worked out (three statements more); then read in one.
            with django_assert_max_num_queries(4):
                together = quota_totals_by_month(**asked)
            with django_assert_max_num_queries(1):
                assert quota_totals_by_month(**asked) == together
            alone = {}
            for month in chosen:
                rows = quota_rows(
                    bureau_ids=[a.bureau.pk, world.b.bureau.pk] if department is None else [a.bureau.pk],
                    month=month,
                    department_id=department,
                )
                alone[month] = quota_totals(rows if person is None else rows.filter(pk=person.pk))
            assert together == alone, chosen
            seen |= {(t["short"], t["required_days"] > 0) for t in alone.values()}
    assert quota_totals_by_month(bureau_ids=[a.bureau.pk], months=[]) == {}
    assert len(seen) > 2, seen  # months short and not, with and without anything required


def test_the_summary_in_one_query_equals_the_totals_and_the_departments(
    world, visit, django_assert_num_queries
):
    """quota_summary gives quota_totals and quota_by_department from one statement, for a bureau, a
    department and a person, with leave and field days; and the quota page lists as many rows as its
    totals count."""
    from sanwen.fieldwork.quota import quota_summary, quota_summary_tallied

    a = world.a
    visit(on=D(2026, 3, 2), staff=[a.users[Role.STAFF], a.users[Role.LEADER]])
    visit(on=D(2026, 3, 3), staff=[a.users[Role.STAFF]])
    approved(world, a.users[Role.DEPT_HEAD], D(2026, 3, 9), D(2026, 3, 13))
    for department, person in ((None, None), (a.department.pk, None), (None, a.users[Role.STAFF])):
        rows = quota_rows(
            bureau_ids=[a.bureau.pk, world.b.bureau.pk], month=D(2026, 3, 1), department_id=department
        )
        if person is not None:
            rows = rows.filter(pk=person.pk)
        with django_assert_num_queries(1):
            summary = quota_summary(rows)
        assert summary == (quota_totals(rows), quota_by_department(rows))
        if person is None:  # the same from the bureaus' tallies: made current, then read in one
            asked = {"bureau_ids": [a.bureau.pk, world.b.bureau.pk], "month": D(2026, 3, 1)}
            assert quota_summary_tallied(**asked, department_id=department) == summary
            with django_assert_num_queries(1):
                assert quota_summary_tallied(**asked, department_id=department) == summary
        assert summary[0]["staff"] == rows.count() > 0
        # Several bureaus' departments of one name make one row, its figures the sum of theirs.
        names = [row["department__name"] for row in summary[1]]
        assert len(names) == len(set(names))
        if department is None and person is None:
            per_bureau = [
                quota_summary(quota_rows(bureau_ids=[bureau.pk], month=D(2026, 3, 1)))[1]
                for bureau in (a.bureau, world.b.bureau)
            ]
            staffed = {}
            for rows_of_bureau in per_bureau:
                for row in rows_of_bureau:
                    staffed[row["department__name"]] = staffed.get(row["department__name"], 0) + row["staff"]
            assert {row["department__name"]: row["staff"] for row in summary[1]} == staffed


def test_every_write_behind_a_bureaus_quota_figures_makes_its_tallies_be_worked_out_again(world):
    """The tallies (QuotaTally) are current only at their bureau's generation; the triggers count
    every kind of write behind the figures, whatever makes it (the ORM, a queryset update, a delete),
    for the bureau it concerns and no other, and writes that change no figure count nothing. After
    each write the tallied figures equal the figures worked out from the people."""
    from sanwen.campaigns.models import Campaign, RankQuota
    from sanwen.fieldwork.models import QuotaStamp
    from sanwen.fieldwork.quota import quota_summary, quota_summary_tallied, quota_totals_by_month
    from sanwen.org.models import Department, Staff

    a, b = world.a, world.b
    months = [D(2026, 2, 1), D(2026, 3, 1), D(2026, 4, 1)]
    staff = a.users[Role.STAFF]

    def generation(bureau):
        return (
            QuotaStamp.objects.filter(bureau_id=bureau.pk).values_list("generation", flat=True).first() or 0
        )

    def check(write, counts=True):
        before = generation(a.bureau), generation(b.bureau)
        quota_totals_by_month(bureau_ids=[a.bureau.pk, b.bureau.pk], months=months)  # tallied now
        write()
        after = generation(a.bureau), generation(b.bureau)
        assert after[1] == before[1], "another bureau's tallies stay current"
        assert (after[0] > before[0]) is counts, write.__doc__
        for department in (None, a.department.pk):
            kept = quota_totals_by_month(
                bureau_ids=[a.bureau.pk, b.bureau.pk], months=months, department_id=department
            )
            live = {
                month: quota_totals(
                    quota_rows(bureau_ids=[a.bureau.pk, b.bureau.pk], month=month, department_id=department)
                )
                for month in months
            }
            assert kept == live, write.__doc__
            for month in months:
                asked = {
                    "bureau_ids": [a.bureau.pk, b.bureau.pk],
                    "month": month,
                    "department_id": department,
                }
                assert quota_summary_tallied(**asked) == quota_summary(quota_rows(**asked)), write.__doc__

    def field_day():
        """a field day recorded"""
        field_day_record(by=staff, staff=staff, on=D(2026, 3, 3), activity="走访")

    def field_day_moved():
        """a field day moved to another month"""
        FieldDay.objects.filter(staff=staff, on=D(2026, 3, 3)).update(on=D(2026, 4, 7))

    def field_day_removed():
        """a field day removed"""
        FieldDay.objects.filter(staff=staff).delete()

    def leave():
        """leave approved"""
        approved(world, staff, D(2026, 3, 9), D(2026, 3, 13))

    def leave_gone():
        """leave months removed"""
        LeaveMonth.objects.filter(staff=staff).delete()

    def rank():
        """a person's rank changed"""
        Staff.objects.filter(pk=staff.pk).update(rank="general")

    def department():
        """a person moved to another department"""
        other = Department.objects.create(bureau=a.bureau, name="新部门", order=9)
        Staff.objects.filter(pk=a.users[Role.DEPT_HEAD].pk).update(department=other)

    def inactive():
        """a person made inactive"""
        Staff.objects.filter(pk=a.users[Role.LEADER].pk).update(is_active=False)

    def role():
        """a person made administrator"""
        Staff.objects.filter(pk=a.users[Role.LEADER].pk).update(is_active=True, role=Role.ADMIN)

    def joined():
        """a person joined"""
        Staff.objects.create(
            username="newcomer", name="新人", bureau=a.bureau, rank="key_staff", role=Role.STAFF
        )

    def left():
        """a person deleted"""
        Staff.objects.filter(username="newcomer").delete()

    def rule():
        """a rank's quota changed"""
        RankQuota.objects.filter(campaign=a.campaign, rank="key_staff").update(days_per_month=20)

    def campaign_ended():
        """the campaign ended early"""
        Campaign.objects.filter(pk=a.campaign.pk).update(end=D(2026, 3, 31))

    def renamed():
        """a person renamed, logged in (no figure changes)"""
        Staff.objects.filter(pk=staff.pk).update(
            name="改名", last_login=datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
        )

    for write in (field_day, field_day_moved, field_day_removed, leave, leave_gone, rank, department):
        check(write)
    for write in (inactive, role, joined, left, rule, campaign_ended):
        check(write)
    check(renamed, counts=False)
