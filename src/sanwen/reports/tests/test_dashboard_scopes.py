"""The dashboard of every scope (the bureau, a department, a township, a person; a leader's, a
department head's, a staff member's own) opens with a number of queries that does not grow with the
records, and the person chooser lists a department's people, never the whole bureau's."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanwen.cases.services import case_accept, case_assign, case_resolve, case_return_visit
from sanwen.core.access import Role
from sanwen.fieldwork.services import meeting_record, visit_record
from sanwen.org.services import department_create, staff_create
from sanwen.reports.tests.test_stats import a_case

D = datetime.date
PERIOD = "from=2026-01-01&to=2026-11-30"


def _more(world, n):
    """n more cases, resolved and rated, and n visits and meetings, spread over the year."""
    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    for i in range(n):
        day = D(2026, 1 + i % 10, 3 + i % 20)
        case = a_case(world, raised=day, township=a.township)
        case = case_accept(case=case, by=head, on=day)
        case = case_assign(case=case, by=head, owner=staff, on=day)
        case = case_resolve(case=case, by=staff, resolution="已解决", on=day + datetime.timedelta(days=1))
        case_return_visit(case=case, by=head, satisfaction="satisfied", on=day + datetime.timedelta(days=2))
        visit_record(bureau=a.bureau, by=staff, on=day, diary="走访", households=[a.farmer])
        meeting_record(
            bureau=a.bureau, by=staff, kind="seminar", title="座谈", on=day, place="村委", minutes="座谈"
        )


def _scopes(world):
    a = world.a
    leader, head, staff = a.users[Role.LEADER], a.users[Role.DEPT_HEAD], a.users[Role.STAFF]
    return [
        (leader, ""),
        (leader, f"&department={a.department.pk}"),
        (leader, f"&township={a.township.pk}"),
        (leader, f"&staff={staff.pk}"),
        (leader, f"&department={a.department.pk}&township={a.township.pk}"),
        (head, ""),
        (head, f"&staff={staff.pk}"),
        (staff, ""),
        (staff, f"&township={a.township.pk}"),
    ]


@pytest.mark.parametrize("which", range(9))
def test_each_scope_opens_with_a_bounded_number_of_queries(
    client, world, which, django_assert_max_num_queries
):
    user, scope = _scopes(world)[which]
    client.force_login(user)
    url = f"/reports/?{PERIOD}{scope}"
    _more(world, 1)
    client.get(url)  # the caches of the first request (the calendar, the vocabulary)
    with CaptureQueriesContext(connection) as first:
        assert client.get(url).status_code == 200
    _more(world, 4)
    with django_assert_max_num_queries(len(first.captured_queries)):
        page = client.get(url).content.decode()
    assert 'id="figures"' in page


def test_the_person_chooser_lists_the_people_of_a_department_only(client, world):
    a = world.a
    leader, staff = a.users[Role.LEADER], a.users[Role.STAFF]
    other = department_create(bureau=a.bureau, name="烟叶站", kind="leaf")
    for i in range(30):
        staff_create(
            bureau=a.bureau,
            department=other,
            username=f"leaf{i}",
            name=f"烟叶{i:02d}",
            password=None,
            role=Role.STAFF,
            rank="staff",
        )
    client.force_login(leader)
    page = client.get(f"/reports/?{PERIOD}").content.decode()
    assert 'id="staff"' not in page and 'id="staff-hint"' in page and "烟叶00" not in page
    page = client.get(f"/reports/?{PERIOD}&department={other.pk}").content.decode()
    chooser = page.split('id="staff"')[1].split("</select>")[0]
    assert chooser.count("<option") == 31 and "烟叶29" in chooser and staff.name not in chooser
    # A person chosen: their department's people, the person selected, their department shown.
    page = client.get(f"/reports/?{PERIOD}&staff={staff.pk}").content.decode()
    chooser = page.split('id="staff"')[1].split("</select>")[0]
    assert f'value="{staff.pk}" selected' in chooser and "烟叶00" not in chooser
    departments = page.split('id="department"')[1].split("</select>")[0]
    assert f'value="{a.department.pk}" selected' in departments
    # A department's head still picks among their department's people; staff have no chooser.
    client.force_login(a.users[Role.DEPT_HEAD])
    chooser = client.get(f"/reports/?{PERIOD}").content.decode().split('id="staff"')[1].split("</select>")[0]
    assert staff.name in chooser and "烟叶00" not in chooser
    client.force_login(staff)
    assert 'id="staff"' not in client.get(f"/reports/?{PERIOD}").content.decode()


def test_a_visit_or_meeting_of_two_people_of_a_department_counts_once_for_it(world):
    from sanwen.reports.stats import Filters, figures

    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    visit_record(
        bureau=a.bureau,
        by=staff,
        on=D(2026, 3, 3),
        diary="走访",
        households=[a.farmer, a.retailer],
        staff=[staff, head],
    )
    meeting_record(
        bureau=a.bureau,
        by=staff,
        kind="seminar",
        title="座谈",
        on=D(2026, 3, 4),
        place="村委",
        minutes="座谈",
        staff=[staff, head],
    )
    period = {"bureau_ids": [a.bureau.pk], "start": D(2026, 3, 1), "end": D(2026, 3, 31)}
    department = figures(Filters(department=a.department, **period))
    assert (department["household_visits"], department["meetings"]) == (2, 1)
    for person in (staff, head):
        mine = figures(Filters(staff=person, **period))
        assert (mine["household_visits"], mine["meetings"]) == (2, 1)
    nobody = figures(Filters(staff=a.users[Role.INSPECTOR], **period))
    assert (nobody["household_visits"], nobody["meetings"]) == (0, 0)
