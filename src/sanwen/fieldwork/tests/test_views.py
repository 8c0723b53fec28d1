import datetime
import io

import openpyxl
import pytest

from sanwen.cases.models import Case
from sanwen.clients.services import household_create
from sanwen.core.access import Role
from sanwen.fieldwork.ledger import book_households
from sanwen.fieldwork.models import LedgerBook, NotebookReview, Visit
from sanwen.fieldwork.services import ledger_open, meeting_record, notebook_review

D = datetime.date


def login(client, world, role):
    user = world.a.users[role]
    client.force_login(user)
    return user


def test_recording_a_visit_through_the_page_raises_a_case(client, world):
    a = world.a
    login(client, world, Role.STAFF)
    assert client.get("/field/visits/new/").status_code == 200
    response = client.post(
        "/field/visits/new/",
        {
            "on": "2026-03-02",
            "channel": "face",
            "households": f"{a.farmer.pk},{a.retailer.pk}",
            "diary": "到烟农家查看烟苗",
            "items-TOTAL_FORMS": "1",
            "items-INITIAL_FORMS": "0",
            "items-0-kind": "worry",
            "items-0-household": str(a.farmer.pk),
            "items-0-text": "担心今年雨水多烟叶病害",
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/field/visits/{visit.pk}/"
    case = Case.objects.get(visit=visit)
    assert (case.household, case.concern_kind) == (a.farmer, "worry")
    page = client.get(response["Location"]).content.decode()
    assert "到烟农家查看烟苗" in page and case.number in page


def test_a_bad_visit_form_says_why_in_chinese_and_stores_nothing(client, world):
    login(client, world, Role.STAFF)
    response = client.post(
        "/field/visits/new/",
        {
            "on": "2026-03-02",
            "channel": "face",
            "households": "",
            "diary": "",
            "items-TOTAL_FORMS": "0",
            "items-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "请至少选择一户" in text and "这个字段是必填项" in text
    assert not Visit.objects.exists()


def _many_visits(world, visit, n):
    a = world.a
    households = [
        household_create(
            bureau=a.bureau, by=None, kind="farmer", name=f"烟农{i}", township=a.township, village=a.village
        )
        for i in range(n)
    ]
    for i, h in enumerate(households):
        visit(households=[h], on=D(2026, 3, 2) + datetime.timedelta(days=i % 5), staff=[a.users[Role.STAFF]])
    return households


@pytest.mark.parametrize("n", [2, 20])
def test_the_ledger_page_runs_a_bounded_number_of_queries(
    client, world, visit, django_assert_max_num_queries, n
):
    a = world.a
    _many_visits(world, visit, n)
    book = ledger_open(
        bureau=a.bureau, by=a.users[Role.STAFF], scope="village", village=a.village, opened_on=D(2025, 7, 10)
    )
    login(client, world, Role.STAFF)
    with django_assert_max_num_queries(14):
        response = client.get(f"/field/ledgers/{book.pk}/")
    assert response.status_code == 200
    assert response.content.decode().count('class="ledger-household"') == min(n + 1, 25)


def test_the_ledger_export_lists_every_household_with_masked_phones(client, world, visit):
    a = world.a
    visit(households=[a.farmer])
    book = ledger_open(
        bureau=a.bureau,
        by=a.users[Role.STAFF],
        scope="contact_point",
        contact_point=a.users[Role.STAFF].contact_points.get(),
        opened_on=D(2025, 7, 10),
    )
    login(client, world, Role.STAFF)
    response = client.get(f"/field/ledgers/{book.pk}/export/")
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][1] == "客户姓名"
    assert (
        rows[1][1] == "钟林" and rows[1][2] == "138****1234" and rows[1][6] == "烟苗长势良好，烟农担心雨水多"
    )


def test_a_ledger_book_is_kept_once_per_subject(world):
    from django.core.exceptions import ValidationError

    a = world.a
    ledger_open(
        bureau=a.bureau, by=a.users[Role.STAFF], scope="village", village=a.village, opened_on=D(2025, 7, 10)
    )
    with pytest.raises(ValidationError):
        ledger_open(
            bureau=a.bureau,
            by=a.users[Role.STAFF],
            scope="village",
            village=a.village,
            opened_on=D(2025, 8, 1),
        )
    with pytest.raises(ValidationError):
        ledger_open(bureau=a.bureau, by=a.users[Role.STAFF], scope="village", opened_on=D(2025, 8, 1))
    assert LedgerBook.objects.count() == 1


@pytest.mark.parametrize("n", [2, 20])
def test_the_notebook_runs_a_bounded_number_of_queries(
    client, world, visit, django_assert_max_num_queries, n
):
    a = world.a
    _many_visits(world, visit, n)
    staff = a.users[Role.STAFF]
    login(client, world, Role.STAFF)
    with django_assert_max_num_queries(24):
        response = client.get(f"/field/notebooks/{staff.pk}/?month=2026-03")
    assert response.status_code == 200
    assert response.content.decode().count("烟苗长势良好") == n


@pytest.mark.parametrize(
    "role, status",
    [(Role.STAFF, 403), (Role.DEPT_HEAD, 200), (Role.LEADER, 200), (Role.INSPECTOR, 200), (Role.ADMIN, 403)],
)
def test_who_may_read_a_colleagues_notebook(client, world, role, status):
    login(client, world, role)
    other = world.a.users[Role.STAFF] if role != Role.STAFF else world.a.users[Role.DEPT_HEAD]
    assert client.get(f"/field/notebooks/{other.pk}/").status_code == status


def test_a_head_reviews_a_notebook_and_the_remark_is_shown_and_audited(client, world):
    head = login(client, world, Role.DEPT_HEAD)
    staff = world.a.users[Role.STAFF]
    response = client.post(
        f"/field/notebooks/{staff.pk}/?month=2026-03", {"remark": "走访记录详实，注意跟进烤房问题"}
    )
    assert response.status_code == 302
    review = NotebookReview.objects.get()
    assert (review.reviewer, review.month) == (head, D(2026, 3, 1))
    assert "走访记录详实" in client.get(f"/field/notebooks/{staff.pk}/?month=2026-03").content.decode()
    client.force_login(staff)
    assert client.post(f"/field/notebooks/{staff.pk}/?month=2026-03", {"remark": "自评"}).status_code == 403
    with pytest.raises(Exception):  # noqa: B017 - nobody reviews their own notebook
        notebook_review(by=staff, staff=staff, month=D(2026, 3, 1), remark="自评")


@pytest.mark.parametrize("extra_staff", [0, 30])
def test_the_quota_table_runs_a_bounded_number_of_queries(
    client, world, django_assert_max_num_queries, extra_staff
):
    from sanwen.org.services import staff_create

    for i in range(extra_staff):
        staff_create(
            bureau=world.a.bureau,
            department=world.a.department,
            username=f"s{i}",
            name=f"员工{i}",
            password=None,
            role=Role.STAFF,
            rank="staff",
        )
    login(client, world, Role.LEADER)
    with django_assert_max_num_queries(14):
        response = client.get("/field/quota/?month=2026-03")
    assert response.status_code == 200
    assert "到点天数" in response.content.decode()


def test_the_quota_table_marks_each_shortfall_and_exports(client, world, visit):
    a = world.a
    visit(on=D(2026, 2, 2))
    login(client, world, Role.LEADER)
    text = client.get("/field/quota/?month=2026-02").content.decode()
    assert text.count("table-danger") == 4  # nobody met a quota with one day in February
    response = client.get("/field/quota/?month=2026-02&format=xlsx")
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active.values)
    staff_row = next(r for r in rows if r[2] == a.users[Role.STAFF].name)
    assert staff_row[4:] == (18, 0, 18, 1, 17)


def test_a_meeting_with_items_and_a_village_makes_field_days(client, world):
    a = world.a
    meeting = meeting_record(
        bureau=a.bureau,
        by=a.users[Role.LEADER],
        kind="seminar",
        title="烟农座谈会",
        on=D(2026, 3, 3),
        place="大龙村委会",
        village=a.village,
        minutes="听取烟农意见",
        staff=[a.users[Role.LEADER], a.users[Role.STAFF]],
        households=[a.farmer],
        other_attendees=12,
        items=[{"kind": "suggestion", "text": "建议提前发放化肥", "household": a.farmer}],
    )
    assert meeting.cases.get().source == "meeting"
    assert a.users[Role.STAFF].field_days.get().on == D(2026, 3, 3)
    login(client, world, Role.STAFF)
    assert "烟农座谈会" in client.get("/field/meetings/").content.decode()


def test_leave_is_requested_and_a_leader_approves_it_on_the_page(client, world):
    login(client, world, Role.STAFF)
    client.post(
        "/field/leave/", {"kind": "leave", "start": "2026-03-09", "end": "2026-03-10", "reason": "家中有事"}
    )
    leader = login(client, world, Role.LEADER)
    page = client.get("/field/leave/").content.decode()
    assert "家中有事" in page
    from sanwen.fieldwork.models import Leave

    leave = Leave.objects.get()
    client.post(f"/field/leave/{leave.pk}/decide/", {"approve": "1", "note": "同意"})
    leave.refresh_from_db()
    assert leave.state == "approved" and leave.decided_by == leader


@pytest.mark.parametrize("n", [2, 30])
def test_the_printed_ledger_has_every_household_in_bounded_queries(
    client, world, visit, django_assert_max_num_queries, n
):
    """The screen shows 25 households a page; its Print view every household of the book, in a
    bounded number of queries whatever their number (issue 19, item 6)."""
    a = world.a
    _many_visits(world, visit, n)
    book = ledger_open(
        bureau=a.bureau, by=a.users[Role.STAFF], scope="village", village=a.village, opened_on=D(2025, 7, 10)
    )
    login(client, world, Role.STAFF)
    screen = client.get(f"/field/ledgers/{book.pk}/").content.decode()
    assert 'id="ledger-print"' in screen and "print=1" in screen
    with django_assert_max_num_queries(14):
        response = client.get(f"/field/ledgers/{book.pk}/?print=1")
    body = response.content.decode()
    households = book_households(book).count()
    assert households >= n
    assert body.count('class="ledger-household"') == households
    assert 'class="pagination' not in body


def test_the_service_worker_is_code_for_anyone_and_the_outbox_page_is_for_recorders(client, world):
    from sanwen.core.access import Role

    response = client.get("/field/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/javascript")
    assert response["Cache-Control"] == "no-cache" and "vendor/workbox/workbox-core.prod.js" in response.text
    assert client.post("/field/sw.js").status_code == 405
    assert client.get("/field/outbox/").status_code == 302
    client.force_login(world.a.users[Role.ADMIN])
    assert client.get("/field/outbox/").status_code == 403
    client.force_login(world.a.users[Role.STAFF])
    page = client.get("/field/outbox/")
    assert page.status_code == 200 and 'id="outbox-list"' in page.text
    assert 'rel="manifest"' in page.text and "sanwen/offline.js" in page.text
    assert "manifest-src 'self'" in page["Content-Security-Policy"]


def test_a_books_households_are_those_of_its_village_or_township_whatever_else_the_area_holds(world):
    """A village's book holds the village's households; a township's every household of the township
    (in any of its villages, or in none): the households whose village or township is the book's
    place, and no other bureau's."""
    from django.db.models import Q

    from sanwen.clients.models import Household
    from sanwen.org.models import Place, PlaceLevel

    a = world.a
    township = a.village.parent
    assert (a.village.level, township.level) == (PlaceLevel.VILLAGE, PlaceLevel.TOWNSHIP)
    other_village = Place.objects.create(
        code="bench-v2", name="二村", level=PlaceLevel.VILLAGE, parent=township
    )
    for k, village in enumerate([a.village, other_village, None, a.village]):
        Household.objects.create(
            bureau=a.bureau, kind="farmer", name=f"户{k}", township=township, village=village
        )
    Household.objects.create(
        bureau=world.b.bureau, kind="farmer", name="他局户", township=township, village=a.village
    )
    for place in (a.village, township, other_village):
        book = ledger_open(
            bureau=a.bureau, by=a.users[Role.STAFF], scope="village", village=place, opened_on=D(2025, 7, 10)
        )
        expected = Household.objects.filter(bureau=a.bureau).filter(Q(village=place) | Q(township=place))
        assert set(book_households(book)) == set(expected), place
        assert book_households(book).count() > 0
