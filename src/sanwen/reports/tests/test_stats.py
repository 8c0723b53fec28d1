"""Each dashboard figure against hand-built records; scopes; bounded queries; exports."""

import datetime
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sanwen.campaigns.models import DeedKind, HandlingMode, Vehicle
from sanwen.cases.models import Case, State
from sanwen.cases.services import (
    case_accept,
    case_assign,
    case_register,
    case_resolve,
    case_return_visit,
    deed_record,
)
from sanwen.core.access import Role
from sanwen.fieldwork.services import ledger_open, meeting_record, visit_record
from sanwen.reports.stats import Filters, figures, trends

D = datetime.date
START, END = D(2026, 3, 1), D(2026, 3, 31)


def a_case(world, *, by=None, ask="need", raised=None, **fields):
    raised = raised or D(2026, 3, 2)
    a = world.a
    case = case_register(
        bureau=a.bureau,
        by=by or a.users[Role.STAFF],
        description="测试事项",
        ask_kind=ask,
        source="visit",
        household=a.farmer,
        mode=HandlingMode.objects.get(campaign=a.campaign, code="immediate"),
        raised_on=raised,
    )
    if fields:
        Case.objects.filter(pk=case.pk).update(**fields)
    return case


@pytest.fixture
def records(world):
    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    visit_record(bureau=a.bureau, by=staff, on=D(2026, 3, 3), diary="走访", households=[a.farmer, a.retailer])
    visit_record(bureau=a.bureau, by=head, on=D(2026, 3, 5), diary="走访", households=[a.farmer])
    visit_record(
        bureau=a.bureau, by=staff, on=D(2026, 2, 27), diary="二月走访", households=[a.farmer]
    )  # before
    meeting_record(
        bureau=a.bureau,
        by=staff,
        kind="seminar",
        title="座谈",
        on=D(2026, 3, 10),
        place="村委",
        minutes="座谈",
        village=a.village,
    )
    meeting_record(
        bureau=a.bureau, by=head, kind="work", title="推进会", on=D(2026, 4, 2), place="局里", minutes="推进"
    )  # after
    ledger_open(bureau=a.bureau, by=staff, scope="village", village=a.village, opened_on=D(2026, 3, 4))
    a_case(world, ask="suggestion")
    a_case(world, ask="suggestion", raised=D(2026, 2, 20))  # before
    on_time = a_case(world)  # limit 3 March
    on_time = case_accept(case=on_time, by=head, on=D(2026, 3, 2))
    on_time = case_assign(case=on_time, by=head, owner=staff, on=D(2026, 3, 2))
    on_time = case_resolve(case=on_time, by=staff, resolution="已解决", on=D(2026, 3, 3))
    case_return_visit(case=on_time, by=staff, satisfaction="satisfied", on=D(2026, 3, 4))
    late = a_case(world)
    late = case_accept(case=late, by=head, on=D(2026, 3, 2))
    late = case_assign(case=late, by=head, owner=staff, on=D(2026, 3, 2))
    late = case_resolve(case=late, by=staff, resolution="已解决", on=D(2026, 3, 9))
    case_return_visit(case=late, by=staff, satisfaction="dissatisfied", comment="没解决", on=D(2026, 3, 10))
    kind = DeedKind.objects.get(campaign=a.campaign, code="land")
    for quantity in (120, 80):
        deed_record(
            bureau=a.bureau,
            by=head,
            kind=kind,
            quantity=quantity,
            on=D(2026, 3, 15),
            description="落实用地",
            vehicle=Vehicle.objects.filter(campaign=a.campaign).first(),
            department=a.department,
        )
    return a


def test_each_figure_counts_its_records_in_the_period(world, records):
    data = figures(Filters(bureau_ids=[world.a.bureau.pk], start=START, end=END))
    assert (data["meetings"], data["household_visits"], data["ledger_books"]) == (1, 3, 1)
    assert (data["cases"], data["suggestions"], data["ask_need"]) == (3, 1, 2)
    assert (data["resolved"], data["on_time"], data["on_time_percent"]) == (2, 1, 50.0)
    assert (data["rated"], data["satisfied"], data["dissatisfied"], data["satisfied_percent"]) == (
        2,
        1,
        1,
        50.0,
    )
    assert [(d["kind__name"], d["quantity"], d["unit"]) for d in data["deeds"]] == [
        ("落实种烟用地和烤房建设用地", 200, "亩")
    ]
    assert sum(m["n"] for m in data["by_mode"]) == 3


def test_scopes_narrow_the_figures(world, records):
    a = world.a
    mine = figures(Filters(bureau_ids=[a.bureau.pk], start=START, end=END, staff=a.users[Role.STAFF]))
    assert (mine["household_visits"], mine["meetings"], mine["ledger_books"]) == (2, 1, 1)
    head = figures(Filters(bureau_ids=[a.bureau.pk], start=START, end=END, staff=a.users[Role.DEPT_HEAD]))
    assert (head["household_visits"], head["meetings"], head["deeds"][0]["quantity"]) == (1, 0, 200)
    township = figures(Filters(bureau_ids=[a.bureau.pk], start=START, end=END, township=a.township))
    assert township["household_visits"] == 3 and township["meetings"] == 1
    elsewhere = figures(
        Filters(bureau_ids=[a.bureau.pk], start=START, end=END, township=world.places["451122100"])
    )
    assert (elsewhere["household_visits"], elsewhere["meetings"], elsewhere["cases"]) == (0, 0, 0)
    other = figures(Filters(bureau_ids=[world.b.bureau.pk], start=START, end=END))
    assert (other["household_visits"], other["cases"]) == (0, 0)


def test_trends_go_month_by_month(world, records):
    result = trends(Filters(bureau_ids=[world.a.bureau.pk], start=D(2026, 2, 1), end=END))
    assert result["months"] == ["2026-02", "2026-03"]
    assert result["series"]["household_visits"] == [1, 3] and result["series"]["cases"] == [1, 3]


@pytest.mark.parametrize("rollups", [True, False])
@pytest.mark.parametrize("period", [(D(2026, 1, 1), D(2026, 3, 31)), (D(2026, 1, 20), D(2026, 3, 15))])
def test_each_bureau_and_each_month_counts_its_own_records(world, rollups, period):
    """The dashboard's table of bureaus and its monthly series, counted independently from the
    records: two counties, records in three months and at a period's edges, each bureau's totals and
    each month's (the database sums each once by bureau and once by month)."""
    from collections import Counter

    from sanwen.reports.stats import compute

    made = Counter()
    for n, (side, day) in enumerate(
        [("a", D(2026, 1, 5)), ("a", D(2026, 2, 9)), ("a", D(2026, 2, 10)), ("b", D(2026, 2, 11))]
        + [("b", D(2026, 3, 30)), ("b", D(2026, 1, 31)), ("a", D(2025, 12, 31)), ("b", D(2026, 4, 1))]
    ):
        w = getattr(world, side)
        case_register(
            bureau=w.bureau,
            by=w.users[Role.STAFF],
            description=f"事项{n}",
            ask_kind="need",
            source="visit",
            household=w.farmer,
            mode=HandlingMode.objects.get(campaign=w.campaign, code="immediate"),
            raised_on=day,
        )
        visit_record(bureau=w.bureau, by=w.users[Role.STAFF], on=day, diary="走访", households=[w.farmer])
        made[(w.bureau.pk, day)] += 1
    start, end = period
    ids = [world.a.bureau.pk, world.b.bureau.pk]
    result = compute(Filters(bureau_ids=ids, start=start, end=end), today=D(2026, 4, 2), rollups=rollups)
    inside = {key: n for key, n in made.items() if start <= key[1] <= end}
    for bureau_id in ids:
        expected = sum(n for (b, _day), n in inside.items() if b == bureau_id)
        assert result["by_bureau"][bureau_id]["cases"] == expected
        assert result["by_bureau"][bureau_id]["household_visits"] == expected
    by_month = Counter()
    for (_b, day), n in inside.items():
        by_month[day.strftime("%Y-%m")] += n
    assert result["trends"]["months"] == ["2026-01", "2026-02", "2026-03"]
    assert result["trends"]["series"]["cases"] == [by_month[m] for m in result["trends"]["months"]]
    assert result["trends"]["series"]["household_visits"] == result["trends"]["series"]["cases"]
    assert result["figures"]["cases"] == result["figures"]["household_visits"] == sum(inside.values())
    assert sum(inside.values()) == (6 if start.day == 1 else 4)  # the edges' days count, the rest not


def test_the_dashboard_opens_for_a_leader_with_a_bounded_number_of_queries(
    client, world, records, django_assert_max_num_queries
):
    client.force_login(world.a.users[Role.LEADER])
    url = "/reports/?from=2026-03-01&to=2026-03-31"
    with CaptureQueriesContext(connection) as first:
        page = client.get(url).content.decode()
    assert 'id="fig-household-visits">3<' in page and "落实种烟用地和烤房建设用地" in page
    for day in range(1, 20):
        a_case(world, raised=D(2026, 3, day))
    with django_assert_max_num_queries(len(first.captured_queries)):
        client.get(url)


def test_every_figure_opens_its_records_and_exports_them(client, world, records):
    client.force_login(world.a.users[Role.LEADER])
    page = client.get(
        "/reports/records/?from=2026-03-01&to=2026-03-31&figure=household_visits"
    ).content.decode()
    assert page.count("<tr>") == 4  # header and three 户次
    assert "钟林" in page  # leaders may see clients' names
    client.force_login(world.a.users[Role.INSPECTOR])  # sees the bureau, may not unmask clients
    response = client.get(
        "/reports/records/?from=2026-03-01&to=2026-03-31&figure=household_visits&format=xlsx"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.values)
    assert rows[0][:2] == ("日期", "客户") and len(rows) == 4
    assert {r[1] for r in rows[1:]} == {"钟*", "張*豐"}
    response = client.get("/reports/?from=2026-03-01&to=2026-03-31&format=xlsx")
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert {"数据", "办实事"} <= set(book.sheetnames)


def test_staff_see_their_own_figures_only(client, world, records):
    client.force_login(world.a.users[Role.STAFF])
    assert client.get(f"/reports/?department={world.a.department.pk}").status_code == 403
    page = client.get("/reports/?from=2026-03-01&to=2026-03-31").content.decode()
    assert 'id="fig-household-visits">2<' in page
    client.force_login(world.a.users[Role.ADMIN])
    assert client.get("/reports/").status_code == 403


def test_the_summary_downloads_as_word(client, world, records):
    from docx import Document

    client.force_login(world.a.users[Role.LEADER])
    response = client.get("/reports/summary.docx?from=2026-03-01&to=2026-03-31")
    text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
    assert "召开各种会议1次，走访烟农、客户3户次，建立民情台账1本，收集建议1条" in text
    assert "落实种烟用地和烤房建设用地200亩" in text


def test_quota_and_six_zeros_come_with_the_page(client, world, records):
    client.force_login(world.a.users[Role.LEADER])
    page = client.get("/reports/?from=2026-03-01&to=2026-03-31").content.decode()
    assert 'hx-get="/reports/duty/?' in page
    fragment = client.get("/reports/duty/?from=2026-03-01&to=2026-03-31").content.decode()
    assert "工作时限零延误" in fragment and "2026-03" in fragment and 'id="quota"' in fragment
    link = fragment.split('href="/accountability/scorecard/records/?')[1].split('"')[0].replace("&amp;", "&")
    assert client.get(f"/accountability/scorecard/records/?{link}").status_code == 200


def test_the_fragments_six_zeros_equal_the_scorecards_with_the_quota_months_counted_once(
    client, world, records
):
    """The fragment hands its quota table's shortfalls to 零失误 instead of counting those months
    again: the figures are the scorecard's all the same, for the bureau and for one person."""
    from django.utils import timezone

    from sanwen.accountability.scorecard import Period, Scope, card

    a = world.a
    client.force_login(a.users[Role.LEADER])
    today = timezone.localdate()
    start = (today.replace(day=1) - datetime.timedelta(days=400)).replace(day=1)
    for extra, scope in (("", Scope(bureau=a.bureau)), (f"&staff={a.users[Role.STAFF].pk}", None)):
        response = client.get(f"/reports/duty/?from={start}&to={today}{extra}")
        shown = response.context["zeros"]
        scope = scope or Scope(bureau=a.bureau, staff=a.users[Role.STAFF])
        counted = card(scope, Period(start, today, "custom", ""), today, viewer=a.users[Role.LEADER])
        assert len(response.context["quota"]) == 12
        assert [f[3] for f in shown.figures] == [f[3] for f in counted.figures]
        lapse = dict((f[0], f[3]) for f in shown.figures)["lapse"][0]
        assert lapse["months"] >= sum(row["short"] for row in response.context["quota"]) > 0


def test_satisfaction_is_given_per_return_visit_and_per_case_and_the_summary_says_which(world, records):
    from sanwen.reports.summary import summary_text

    a = world.a
    staff, head = a.users[Role.STAFF], a.users[Role.DEPT_HEAD]
    # The dissatisfied case of the records is handled again and then rated satisfied.
    again = Case.objects.get(state=State.IN_PROGRESS, reopened=1)
    again = case_resolve(case=again, by=staff, resolution="重新办理", on=D(2026, 3, 12))
    case_return_visit(case=again, by=head, satisfaction="satisfied", on=D(2026, 3, 13))
    data = figures(Filters(bureau_ids=[a.bureau.pk], start=START, end=END))
    # Three return visits, one dissatisfied; two cases, each satisfied at its latest rating.
    assert (data["rated"], data["dissatisfied"], data["satisfied_percent"]) == (3, 1, 66.7)
    assert (data["cases_rated"], data["case_satisfied_percent"]) == (2, 100.0)
    text = summary_text(a.bureau, Filters(bureau_ids=[a.bureau.pk], start=START, end=END))
    assert "回访3次，按回访次数计满意和基本满意率66.7%（不满意1次）" in text
    assert "按每件最新评价计2件、满意和基本满意率100%" in text
    # February's figures stay as they stood: the rating of March does not reach back.
    february = figures(Filters(bureau_ids=[a.bureau.pk], start=D(2026, 2, 1), end=D(2026, 2, 28)))
    assert february["rated"] == 0


def test_records_by_state_and_on_time_follow_the_timeline_of_the_period(client, world, records):
    client.force_login(world.a.users[Role.LEADER])
    base = "/reports/records/?from=2026-03-01&to=2026-03-31&figure="
    # At the end of March the reopened case is in progress again; in February's view nothing of it.
    in_progress = client.get(base + "cases&state=in_progress").content.decode()
    assert in_progress.count("<tr>") == 2  # header and the reopened case
    on_time = client.get(base + "resolved&late=0").content.decode()
    assert on_time.count("<tr>") == 2  # the one resolved within its limit
    data = figures(Filters(bureau_ids=[world.a.bureau.pk], start=START, end=END))
    assert data["by_state"].get("in_progress") == 1
    february = figures(Filters(bureau_ids=[world.a.bureau.pk], start=D(2026, 2, 1), end=D(2026, 2, 28)))
    assert february["by_state"] == {"registered": 1}  # the February suggestion, as it stood then


def test_the_township_filter_offers_the_areas_townships_and_keeps_the_chosen_one(client, world, records):
    from sanwen.org.models import Place, PlaceLevel

    client.force_login(world.a.users[Role.LEADER])
    townships = (
        Place.objects.within(world.a.bureau.area.code).filter(level=PlaceLevel.TOWNSHIP).order_by("code")
    )
    assert townships.exists()
    chosen = townships.last()
    page = client.get(f"/reports/?from=2026-03-01&to=2026-03-31&township={chosen.pk}").content.decode()
    select = page[page.index('id="township"') :]
    select = select[: select.index("</select>")]
    offered = [(t.pk, t.name) for t in townships]
    for pk, name in offered:
        assert f'<option value="{pk}"' in select and f">{name}</option>" in select
    assert select.count("<option") == len(offered) + 1  # and "—", no township
    assert f'<option value="{chosen.pk}" selected>' in select
