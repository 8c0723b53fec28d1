import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from sanwen.cases.models import Case, Deed, State
from sanwen.cases.services import case_accept, case_add_note
from sanwen.core.access import Role
from sanwen.core.models import CalendarYear, Notification
from sanwen.org.models import Staff

D = datetime.date


@pytest.fixture
def as_user(client, world):
    def login(role, bureau_world=None):
        client.force_login((bureau_world or world.a).users[role])
        return client

    return login


def test_my_cases_lists_the_most_urgent_first_and_marks_overdue(as_user, assigned):
    late = assigned("immediate", on=D(2026, 3, 2))
    later = assigned("multi_party", on=D(2026, 3, 2))
    html = as_user(Role.STAFF).get(reverse("my_cases")).content.decode()
    assert html.index(late.number) < html.index(later.number)
    assert "table-danger" in html and "已超期" in html


def test_case_lists_run_a_bounded_number_of_queries(as_user, assigned, django_assert_max_num_queries):
    for _ in range(3):
        assigned()
    client = as_user(Role.STAFF)
    with django_assert_max_num_queries(14):
        client.get(reverse("my_cases"))
    for _ in range(40):
        assigned()
    with django_assert_max_num_queries(14):
        response = client.get(reverse("case_list"))
    assert response.context["page"].paginator.count == 43


def test_the_detail_page_runs_a_bounded_number_of_queries(as_user, assigned, django_assert_max_num_queries):
    case = assigned("on_site")
    # 34: the timeline's order and its screen, and the departments' names of the assign form, one each;
    # and the case's records beyond its mode, owner and household, each read by key when it has one
    # (department, township, village, category, batch, raiser, merged case, card: 8 at most).
    with django_assert_max_num_queries(34 + 8):
        response = as_user(Role.DEPT_HEAD).get(reverse("case_detail", args=[case.pk]))
    assert response.status_code == 200


def test_the_detail_page_shows_each_kind_of_record_a_case_has_and_reads_none_it_has_not(
    as_user, assigned, world
):
    from sanwen.cases.models import CaseContact, CasePartner, Extension, FollowUp, Partner, ReturnVisit

    bare, full = assigned(), assigned()
    staff = world.a.users[Role.STAFF]
    day = D(2026, 3, 3)
    CaseContact.objects.create(case=full, kind="phone", on=day, by=staff, note="电话回复农户")
    partner = Partner.objects.create(bureau=world.a.bureau, name="乡镇政府甲")
    CasePartner.objects.create(case=full, partner=partner, contribution="协调修路")
    Extension.objects.create(
        case=full, requested_by=staff, requested_on=day, until=D(2026, 3, 20), reason="等待材料"
    )
    FollowUp.objects.create(case=full, due_on=D(2026, 4, 1), done_on=D(2026, 4, 1), by=staff, note="复查无误")
    ReturnVisit.objects.create(case=full, on=day, by=staff, satisfaction="satisfied", comment="满意答复")
    duplicate = assigned()
    Case.objects.filter(pk=duplicate.pk).update(merged_into=full)
    client = as_user(Role.STAFF)
    html = client.get(reverse("case_detail", args=[full.pk])).content.decode()
    for text in (
        "电话回复农户",
        "乡镇政府甲",
        "协调修路",
        "等待材料",
        "复查无误",
        "满意答复",
        duplicate.number,
    ):
        assert text in html, text
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("case_detail", args=[bare.pk])).content.decode()
    tables = (
        "cases_casecontact",
        "cases_casepartner",
        "cases_extension",
        "cases_followup",
        "cases_returnvisit",
    )
    # Asked once, all together: whether the case has any of them.
    asked = [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in tables)]
    assert len(asked) == 1 and all(t in asked[0] for t in tables)
    assert "电话回复农户" not in html and "等待材料" not in html


def test_which_records_a_case_has_is_what_each_relation_says(as_user, assigned, world):
    """The page's one statement of which kinds of record a case has (cases.views._presence_sql,
    written from the models' relations) agrees with each relation asked alone, for a case with none,
    a case with each kind alone (a deed through its many-to-many included) and one with all."""
    from sanwen.campaigns.models import DeedKind
    from sanwen.cases.models import CaseContact, CasePartner, Extension, FollowUp, Partner, ReturnVisit
    from sanwen.cases.views import RECORDS_OF_A_CASE, _records_of

    staff = world.a.users[Role.STAFF]
    day = D(2026, 3, 3)
    land = DeedKind.objects.get(campaign=world.a.campaign, code="land")
    partner = Partner.objects.create(bureau=world.a.bureau, name="乡镇政府乙")

    def deed(case):
        made = Deed.objects.create(
            bureau=world.a.bureau,
            campaign=world.a.campaign,
            kind=land,
            quantity=3,
            unit=land.unit,
            vehicle=land.vehicle,
            on=day,
            description="落实用地",
            recorded_by=staff,
        )
        made.cases.add(case)

    makers = {
        "contacts": lambda c: CaseContact.objects.create(case=c, kind="phone", on=day, by=staff, note="回电"),
        "casepartner_set": lambda c: CasePartner.objects.create(case=c, partner=partner, contribution="协调"),
        "extensions": lambda c: Extension.objects.create(
            case=c, requested_by=staff, requested_on=day, until=D(2026, 3, 20), reason="等待"
        ),
        "follow_ups": lambda c: FollowUp.objects.create(case=c, due_on=D(2026, 4, 1)),
        "return_visits": lambda c: ReturnVisit.objects.create(case=c, on=day, by=staff, satisfaction="basic"),
        "merged": lambda c: Case.objects.filter(pk=assigned().pk).update(merged_into=c),
        "deeds": deed,
    }
    cases = {"none": assigned(), "all": assigned()}
    for name, make in makers.items():
        cases[name] = assigned()
        make(cases[name])
        make(cases["all"])
    for label, case in cases.items():
        shown = _records_of(case)
        for name, key in zip(RECORDS_OF_A_CASE, shown, strict=True):
            has = getattr(case, name).exists()
            assert (shown[key] != []) == has, (label, name)
            assert has == (label in (name, "all")) or name == "photos", (label, name)


def test_a_case_is_registered_from_a_phone_call(as_user, world, mode):
    client = as_user(Role.STAFF)
    data = {
        "description": "烟叶收购站排队时间太长",
        "ask_kind": "opinion",
        "concern_kind": "grievance",
        "source": "phone",
        "mode": mode("proactive").pk,
        "household": world.a.farmer.pk,
        "raised_on": "2026-03-02",
    }
    response = client.post(reverse("case_register"), data)
    case = Case.objects.get(description="烟叶收购站排队时间太长")
    assert response.url == reverse("case_detail", args=[case.pk])
    assert (case.household, case.raised_by, case.state) == (
        world.a.farmer,
        world.a.users[Role.STAFF],
        State.REGISTERED,
    )


def test_registering_with_bad_input_changes_nothing(as_user, mode):
    before = Case.objects.count()
    response = as_user(Role.STAFF).post(
        reverse("case_register"),
        {
            "description": "",
            "ask_kind": "need",
            "source": "phone",
            "mode": mode("immediate").pk,
            "raised_on": "2026-03-02",
            "contact_phone": "123",
        },
    )
    assert response.status_code == 200
    assert Case.objects.count() == before


def test_the_household_search_finds_by_initials(as_user, world):
    html = as_user(Role.STAFF).get(reverse("case_household_search"), {"q": "zl"}).content.decode()
    assert world.a.farmer.name in html and "138****1234" in html


def test_accepting_and_assigning_through_the_page(as_user, world, register, mode):
    case = register("immediate")
    client = as_user(Role.DEPT_HEAD)
    client.post(
        reverse("case_action", args=[case.pk, "accept"]),
        {"mode": mode("immediate").pk, "version": case.version},
    )
    case.refresh_from_db()
    assert case.state == State.ACCEPTED
    client.post(
        reverse("case_action", args=[case.pk, "assign"]),
        {"owner": world.a.users[Role.STAFF].pk, "version": case.version},
    )
    case.refresh_from_db()
    assert case.state == State.ASSIGNED and case.owner == world.a.users[Role.STAFF]


def test_a_stale_form_gets_a_conflict_message_and_keeps_the_users_entry(as_user, world, register):
    case = register()
    stale = case.version
    case_accept(case=case, by=world.a.users[Role.LEADER])  # someone else, meanwhile
    response = as_user(Role.DEPT_HEAD).post(
        reverse("case_action", args=[case.pk, "decline"]),
        {"reason": "与第12号重复，已合并处理", "version": stale},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "其他人已修改" in html and "与第12号重复，已合并处理" in html
    case.refresh_from_db()
    assert case.state == State.ACCEPTED


def test_resolving_without_the_modes_requirement_shows_what_is_missing(as_user, assigned):
    case = assigned("on_site")
    response = as_user(Role.STAFF).post(
        reverse("case_action", args=[case.pk, "resolve"]), {"resolution": "已解决", "version": case.version}
    )
    assert response.status_code == 400
    assert "上门走访" in response.content.decode()
    case.refresh_from_db()
    assert case.state == State.ASSIGNED


def test_a_confidential_case_hides_the_client_from_other_staff(as_user, world, register):
    case = register(confidential=True)
    html = as_user(Role.STAFF, world.a).get(reverse("case_detail", args=[case.pk])).content.decode()
    # The staff member registered it but does not own it, and is no leader.
    assert world.a.retailer.name not in html and "保密" in html
    html = as_user(Role.LEADER).get(reverse("case_detail", args=[case.pk])).content.decode()
    assert world.a.retailer.name in html


def test_a_leader_decides_an_extension_from_the_case_page(as_user, world, assigned):
    from sanwen.cases.services import extension_request

    case = assigned("deadline", deadline=D(2026, 12, 15))
    extension = extension_request(
        case=case, by=world.a.users[Role.STAFF], until=D(2026, 12, 30), reason="等待施工", on=D(2026, 11, 27)
    )
    as_user(Role.LEADER).post(
        reverse("extension_decide", args=[extension.pk]), {"approve": "yes", "note": "同意"}
    )
    case.refresh_from_db()
    assert case.deadline == D(2026, 12, 30)


def test_deeds_are_recorded_and_summed(as_user, world):
    from sanwen.campaigns.models import DeedKind

    land = DeedKind.objects.get(campaign=world.a.campaign, code="land")
    client = as_user(Role.STAFF)
    for quantity in ("120", "80.5"):
        response = client.post(
            reverse("deed_list"),
            {
                "kind": land.pk,
                "quantity": quantity,
                "on": "2026-03-02",
                "description": "协调村委落实种烟用地",
            },
        )
        assert response.status_code == 302
    html = client.get(reverse("deed_list")).content.decode()
    assert "200.5 亩" in html
    assert Deed.objects.count() == 2


def test_the_bell_counts_unread_notifications(as_user, world, assigned):
    assigned()  # the assignment notifies the staff member
    client = as_user(Role.STAFF)
    assert 'id="bell-count">1<' in client.get(reverse("home")).content.decode()
    client.post(reverse("notifications_read"))
    assert 'id="bell-count"' not in client.get(reverse("home")).content.decode()
    assert Notification.objects.filter(read_at__isnull=True).count() == 0


def test_an_administrator_enters_next_years_holidays_and_pending_limits_are_computed(as_user, assigned):
    case = assigned("multi_party", on=D(2026, 11, 27))
    assert case.deadline is None
    client = as_user(Role.ADMIN)
    assert "2027" in client.get(reverse("home")).content.decode()  # the warning from 1 November
    response = client.post(
        reverse("calendar_years"),
        {
            "year": 2027,
            "holidays": "2027-01-01 元旦\n2027-02-06..2027-02-12 春节",
            "workdays": "2027-02-13 春节调休",
            "source": "国办发明电",
        },
    )
    assert response.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()
    case.refresh_from_db()
    assert case.deadline == D(2027, 1, 11)


def test_a_weekday_given_as_a_make_up_day_is_refused(as_user):
    response = as_user(Role.ADMIN).post(
        reverse("calendar_years"),
        {"year": 2027, "holidays": "2027-01-01 元旦", "workdays": "2027-01-04 错误"},
    )
    assert response.status_code == 200
    assert not CalendarYear.objects.exists()


@pytest.mark.parametrize("typed", ["{year}-{seq:05d}", "{year}-{seq}", " {year} - {seq} ", "{wide}"])
def test_a_case_number_typed_any_way_opens_the_case(as_user, world, assigned, typed):
    case = assigned()
    wide = f"{case.year}-{case.sequence:05d}".translate(
        str.maketrans("0123456789-", "０１２３４５６７８９－")
    )
    q = typed.format(year=case.year, seq=case.sequence, wide=wide)
    response = as_user(Role.STAFF).get(reverse("case_list"), {"q": q})
    assert response.status_code == 302 and response["Location"] == reverse("case_detail", args=[case.pk])


def test_a_tracking_code_opens_its_case_but_not_another_bureaus(as_user, world, assigned):
    from sanwen.core.codes import display

    case = assigned()
    code = display(case.tracking_code).lower()
    response = as_user(Role.STAFF).get(reverse("case_list"), {"q": code})
    assert response.status_code == 302 and response["Location"] == reverse("case_detail", args=[case.pk])
    other = as_user(Role.STAFF, world.b).get(reverse("case_list"), {"q": code})
    assert other.status_code == 200 and case.number not in other.content.decode()


def _timeline_on(html: str) -> list[tuple[str, str]]:
    """(number, label) of each entry the page shows in its timeline."""
    block = html[html.index('id="timeline"') :]
    block = block[: block.index("</ol>")]
    return re.findall(r'<span class="text-muted">(\d+)\.</span><div class="me-auto"><b>([^<]+)</b>', block)


def test_a_long_timeline_is_shown_a_screen_at_a_time_the_latest_first(
    as_user, assigned, world, django_assert_max_num_queries
):
    from sanwen.cases.views import TIMELINE_PAGE, timeline

    case = assigned()
    client = as_user(Role.STAFF)
    with CaptureQueriesContext(connection) as short:
        assert client.get(reverse("case_detail", args=[case.pk])).status_code == 200
    for n in range(2 * TIMELINE_PAGE + 7):
        case_add_note(case=case, by=world.a.users[Role.STAFF], text=f"进展{n}")
    whole = [str(e.kind_label) for e in timeline(case)]
    assert len(whole) > 2 * TIMELINE_PAGE and "督办" in "".join(whole)  # clock days among the steps
    with django_assert_max_num_queries(len(short.captured_queries)):
        html = client.get(reverse("case_detail", args=[case.pk])).content.decode()
    screens = [_timeline_on(html)]
    assert len(screens[0]) == TIMELINE_PAGE and "timeline-later" not in html
    while 'id="timeline-earlier"' in html:
        steps = re.search(r'id="timeline-earlier" href="\?steps=(\d+)#timeline"', html).group(1)
        html = client.get(reverse("case_detail", args=[case.pk]), {"steps": steps}).content.decode()
        screens.append(_timeline_on(html))
        assert "timeline-later" in html
    assert len(screens) == 3
    shown = [entry for screen in reversed(screens) for entry in screen]
    assert [label for _number, label in shown] == whole
    assert [int(number) for number, _label in shown] == list(range(1, len(whole) + 1))
    # A number past the last screen shows the first entries; nonsense shows the latest.
    first = client.get(reverse("case_detail", args=[case.pk]), {"steps": "99"}).content.decode()
    assert _timeline_on(first) == screens[-1]
    assert (
        _timeline_on(client.get(reverse("case_detail", args=[case.pk]), {"steps": "x"}).content.decode())
        == screens[0]
    )


def _options(html: str) -> list[tuple[str, bool, str]]:
    select = re.search(r'<select name="owner"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [
        (value, bool(selected), label.strip())
        for value, selected, label in re.findall(
            r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select
        )
    ]


def test_the_assign_form_offers_what_djangos_select_offers(as_user, assigned, world):
    """The assign form's quick <select> lists the same people, labelled and chosen the same, as
    Django's own Select widget rendering the form's field."""
    from sanwen.cases.forms import AssignForm
    from sanwen.cases.views import QuickSelect

    case = assigned()
    html = as_user(Role.DEPT_HEAD).get(reverse("case_detail", args=[case.pk])).content.decode()
    form = AssignForm(case=case, initial={"version": case.version, "owner": case.owner_id})
    assert not isinstance(form.fields["owner"].widget, QuickSelect)
    django_select = str(form["owner"])
    offered = _options(html)
    assert offered == _options(django_select)
    assert (
        str(world.a.users[Role.STAFF].pk),
        True,
        f"{world.a.users[Role.STAFF].department} · {world.a.users[Role.STAFF].name}",
    ) in offered
    assert len(offered) == 1 + Staff.objects.filter(bureau=world.a.bureau, is_active=True).count()
