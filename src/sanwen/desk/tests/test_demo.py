import datetime
import hashlib
import re

from django.db import transaction
from django.db.models import Count

from sanwen.accountability.models import Commitment
from sanwen.campaigns.models import Campaign
from sanwen.cases.models import Case, Deed
from sanwen.cases.services import deed_totals
from sanwen.clients.models import (
    Household,
    HouseholdKind,
    LicenceApplication,
    PlantingContract,
    RetailLicence,
)
from sanwen.clients.rules import clean_licence_number, latest_valid_to
from sanwen.core.access import Role
from sanwen.core.demo import default_period
from sanwen.core.text import validate_mobile, validate_resident_id
from sanwen.desk.demo import build_demo
from sanwen.fieldwork.models import FieldDay, LedgerBook, Meeting, Research, VisitHousehold
from sanwen.fieldwork.quota import quota_rows, quota_totals
from sanwen.org.models import Bureau, ContactPoint, Department, Staff

START, END = datetime.date(2025, 7, 1), datetime.date(2026, 3, 1)


def fingerprint() -> str:
    rows = [
        list(
            Household.objects.order_by("kind", "name").values_list(
                "kind", "name", "phone", "id_number", "township__code", "village__name"
            )
        ),
        list(
            RetailLicence.objects.order_by("number").values_list(
                "number", "valid_from", "valid_to", "business_name"
            )
        ),
        list(
            PlantingContract.objects.order_by("household__name", "year").values_list(
                "household__name", "year", "area_mu", "contracted_kg"
            )
        ),
        list(
            Staff.objects.order_by("username").values_list(
                "username", "name", "role", "rank", "department__name"
            )
        ),
        list(
            Case.objects.order_by("year", "sequence").values_list(
                "year",
                "sequence",
                "title",
                "mode__code",
                "state",
                "raised_on",
                "deadline",
                "resolved_on",
                "owner__username",
                "household__name",
                "satisfaction",
                "reopened",
                "evaluation",
            )
        ),
        list(
            Deed.objects.order_by("on", "kind__code", "quantity").values_list("on", "kind__code", "quantity")
        ),
        list(
            VisitHousehold.objects.order_by("on", "visit__diary", "household__name").values_list(
                "on", "household__name", "visit__diary"
            )
        ),
        list(
            FieldDay.objects.order_by("staff__username", "on").values_list(
                "staff__username", "on", "activity"
            )
        ),
        list(Meeting.objects.order_by("on", "title").values_list("on", "title", "kind")),
        list(LedgerBook.objects.order_by("title").values_list("title", "scope", "keeper__username")),
    ]
    return hashlib.sha256(repr(rows).encode()).hexdigest()


def _check_the_printed_tallies(said):
    """What the demo prints adds up and is what its database holds."""
    county = Bureau.objects.get(code="451122")
    line = next(m for m in said if "commitments (" in m)
    total, kept, partly, not_kept, still_open = (
        int(n)
        for n in re.search(
            r"(\d+) commitments \((\d+) kept, (\d+) partly, (\d+) not kept, (\d+) open\)", line
        ).groups()
    )
    assert total == kept + partly + not_kept + still_open == Commitment.objects.filter(bureau=county).count()
    assert still_open == Commitment.objects.filter(bureau=county, state="open").count()
    line = next(m for m in said if m.strip().startswith("cases:"))
    cases, suggestions, reopened, open_now = (
        int(n)
        for n in re.search(
            r"cases: (\d+) \((\d+) suggestions\), \d+ resolved late, (\d+) reopened, (\d+) still open", line
        ).groups()
    )
    county_cases = Case.objects.filter(bureau=county)
    assert (cases, suggestions, reopened, open_now) == (
        county_cases.count(),
        county_cases.suggestions().count(),
        county_cases.filter(reopened__gt=0).count(),
        county_cases.open().count(),
    )


def test_the_demo_county_is_complete_and_deterministic(db):
    quiet = {"say": lambda message: None}
    with transaction.atomic():
        build_demo(start=START, end=END, **quiet)
        first = fingerprint()
        transaction.set_rollback(True)
    said = []
    build_demo(start=START, end=END, say=said.append)
    assert fingerprint() == first
    _check_the_printed_tallies(said)

    county = Bureau.objects.get(code="451122")
    assert county.name == "钟山县烟草专卖局(营销部)"
    assert county.parent.name == "贺州市烟草专卖局" and county.parent.parent.code == "45"
    assert set(Department.objects.filter(bureau=county).values_list("name", flat=True)) >= {
        "烟叶站",
        "客户服务站",
        "专卖股",
    }
    staff = Staff.objects.filter(bureau=county)
    assert 50 <= staff.count() <= 60
    assert not staff.filter(name="钟林").exists()  # never the real chief's name
    assert {r for r in staff.values_list("role", flat=True)} == set(Role.values)
    for username in ("leader", "depthead", "staff", "inspector", "admin"):
        assert staff.get(username=username).check_password("sanwen2026")
    chief = staff.get(username="leader")
    assert chief.title == "局长"
    point = ContactPoint.objects.get(staff=chief)
    assert (point.village.name, point.village.parent.name) == ("仁里村", "公安镇")

    households = Household.objects.filter(bureau=county)
    assert households.count() >= 1500
    assert households.filter(kind=HouseholdKind.FARMER).count() > 500
    assert households.filter(kind=HouseholdKind.RETAILER).count() > 500
    assert households.filter(village__name="仁里村").count() > 30
    for household in households.exclude(phone="")[:200]:
        validate_mobile(household.phone)
    for household in households.exclude(id_number="")[:200]:
        validate_resident_id(household.id_number)
    for licence in RetailLicence.objects.filter(bureau=county):
        clean_licence_number(licence.number, area_code="451122")
        assert licence.valid_to <= latest_valid_to(licence.valid_from)
    assert (
        PlantingContract.objects.filter(bureau=county, year=2026).count()
        == households.filter(kind=HouseholdKind.FARMER).count()
    )
    assert Campaign.objects.current(county, END).start == START

    # The report's figures, exactly, within the campaign period.
    cases = Case.objects.filter(bureau=county, raised_on__gte=START, raised_on__lte=END)
    assert cases.suggestions().count() == 86
    totals = {
        (t["kind__name"], t["unit"]): t["total"]
        for t in deed_totals(bureau_ids=[county.pk], start=START, end=END)
    }
    assert totals[("落实种烟用地和烤房建设用地", "亩")] == 800
    assert totals[("配送统一卷烟展示柜", "个")] == 385
    assert totals[("上门就地换证", "个")] == 206
    assert totals[("出资请农机帮新烟农翻耕", "户")] == 3
    renewals = LicenceApplication.objects.filter(
        bureau=county, kind="renew", on_the_spot=True, applied_on__gte=START, applied_on__lte=END
    )
    assert renewals.count() == 206
    ploughed = Deed.objects.get(bureau=county, kind__code="ploughing")
    assert {h.village.name for h in ploughed.beneficiaries.all()} == {"仁里村"}
    telecom = cases.get(title="乡镇零售户网上订货难")
    assert telecom.mode.code == "multi_party" and telecom.state == "visited"
    assert telecom.casepartner_set.get().partner.name == "中国电信钟山分公司"
    # A realistic spread: every mode used, a few late, a few reopened, some still open.
    assert cases.values("mode").distinct().count() == 8
    assert 10 <= cases.resolved_late().count() <= 60
    assert 5 <= cases.filter(reopened__gt=0).count() <= 40
    assert cases.open().exists()

    # Field work: 20 meetings, 3,020 household visits, 55 ledger books; visits raise cases.
    assert Meeting.objects.filter(bureau=county, on__gte=START, on__lte=END).count() == 20
    assert VisitHousehold.objects.filter(bureau=county, on__gte=START, on__lte=END).count() == 3020
    assert LedgerBook.objects.filter(bureau=county, opened_on__gte=START, opened_on__lte=END).count() == 55
    assert (
        cases.filter(source="visit", visit__isnull=False).count() == cases.filter(source="visit").count() - 1
    )
    chief_visits = VisitHousehold.objects.filter(visit__staff_links__staff=chief)
    assert chief_visits.filter(household__village__name="仁里村").count() > 0.8 * chief_visits.count()
    research = Research.objects.get(staff=chief)
    assert research.visits.exists() and research.report
    # Most staff meet their quota in a whole month; some miss it in some months.
    for month in (datetime.date(2025, 9, 1), datetime.date(2025, 12, 1)):
        totals = quota_totals(quota_rows(bureau_ids=[county.pk], month=month))
        assert 0 < totals["short"] < totals["staff"] / 4, totals

    # Accountability: commitments for most staff, spread; one gift returned; one public report
    # found unsubstantiated; draft assessments of 2025 with the five comments to write.
    from sanwen.accountability.models import Assessment, Commitment, GiftDeclaration, ViolationReport

    cadres = staff.exclude(role=Role.ADMIN)
    committed = (
        Commitment.objects.filter(bureau=county, staff__isnull=False).values("staff").distinct().count()
    )
    assert committed > 0.75 * cadres.count()
    states = dict(Commitment.objects.filter(bureau=county).values_list("state").annotate(n=Count("pk")))
    assert (
        states["kept"] > states.get("partly", 0) > 0 and states.get("not_kept", 0) > 0 and states["open"] > 0
    )
    assert Commitment.objects.filter(bureau=county, state="open", due_on__lt=END).exists()  # some past due
    gift = GiftDeclaration.objects.get(bureau=county)
    assert gift.handling == "returned"
    report = ViolationReport.objects.get(bureau=county)
    assert (report.source, report.state, report.anonymous) == ("public", "unsubstantiated", True)
    drafts = Assessment.objects.filter(bureau=county, year=2025)
    assert drafts.count() == cadres.count() and not drafts.exclude(state="draft").exists()
    assert all(a.comments.count() == 5 for a in drafts[:5])
    assert drafts.get(staff=chief).evidence["household_visits"] > 0

    # The summary reproduces the report's paragraph, every number from the records.
    from sanwen.reports.stats import Filters
    from sanwen.reports.summary import summary_text

    text = summary_text(county, Filters(bureau_ids=[county.pk], start=START, end=END))
    assert "召开各种会议20次，走访烟农、客户3020户次，建立民情台账55本，收集建议86条" in text
    for deed in (
        "落实种烟用地和烤房建设用地800亩",
        "配送统一卷烟展示柜385个",
        "上门就地换证206个",
        "出资请农机帮新烟农翻耕3户",
    ):
        assert deed in text, deed
    assert "与中国电信钟山分公司协作解决了乡镇零售户网上订货难" in text


def test_the_default_period_is_the_eight_months_up_to_today():
    assert default_period(datetime.date(2026, 3, 1)) == (datetime.date(2025, 7, 1), datetime.date(2026, 3, 1))
    assert default_period(datetime.date(2026, 11, 27)) == (
        datetime.date(2026, 3, 1),
        datetime.date(2026, 11, 27),
    )
