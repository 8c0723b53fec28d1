"""Figures over the API: the campaign statistics and the six zeros of a period and scope, and the
quota table of a month. The scope is chosen by the access policy (`choose_scope`), as on the pages."""

import datetime
import re
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from pydantic import create_model

from sanwen.accountability.scorecard import Period, card
from sanwen.api.cursor import NO_NUL
from sanwen.api.v1_cases import READ_ERRORS
from sanwen.campaigns.models import Campaign
from sanwen.cases.models import AskKind, ConcernKind
from sanwen.core.access import Cap, choose_scope, require_cap
from sanwen.fieldwork.quota import quota_rows, quota_totals
from sanwen.reports import stats

router = Router(tags=["figures"])


class ScopeIn(Schema):
    bureau: int | None = Field(None, description="A bureau (one's own or a child); one's own by default.")
    department: int | None = None
    staff: int | None = None
    township: int | None = None


def _scope(user, s: ScopeIn, default_own: bool = True):
    return choose_scope(
        user,
        bureau=s.bureau,
        department=s.department,
        staff=s.staff,
        township=s.township,
        default_own=default_own,
    )


class ScopeOut(Schema):
    bureau: int
    department: int | None
    staff: int | None
    township: int | None
    label: str


def _scope_out(scope) -> dict:
    return {
        "bureau": scope.bureau.pk,
        "department": scope.department.pk if scope.department is not None else None,
        "staff": scope.staff.pk if scope.staff is not None else None,
        "township": scope.township.pk if scope.township is not None else None,
        "label": scope.label,
    }


class StatisticsIn(ScopeIn):
    start: datetime.date | None = Field(
        None, alias="from", description="First day; the campaign's start by default."
    )
    end: datetime.date | None = Field(None, alias="to", description="Last day (included); today by default.")


class ModeCount(Schema):
    mode__code: str = Field(description="The handling mode's code (八办).")
    mode__name: str
    order: int = Field(description="The mode's place in the campaign's list.")
    n: int = Field(description="Cases raised in the period under this mode.")


class DeedTotal(Schema):
    kind__code: str
    kind__name: str
    unit: str
    kind__vehicle__name: str | None = Field(description="The kind's usual vehicle (三送三抓).")
    quantity: Decimal = Field(description="The quantities of the period's deeds of this kind, added.")
    n: int = Field(description="How many deeds.")


class Ratings(Schema):
    satisfied: int = Field(description="满意")
    basic: int = Field(description="基本满意")
    dissatisfied: int = Field(description="不满意")


def _counts(prefix: str, choices, what: str) -> dict:
    return {
        f"{prefix}{value}": (int, Field(description=f"{what}: {label}"))
        for value, label in zip(choices.values, choices.labels, strict=True)
    }


_Kinds = create_model(
    "FigureKinds",
    __base__=Schema,
    **_counts("ask_", AskKind, "Cases raised of this ask kind"),
    **_counts("concern_", ConcernKind, "Cases raised of this concern kind"),
)


class Figures(_Kinds):
    """The campaign's figures of the period, as on the statistics page: counted from the timeline as
    it stood at the period's end; percentages are null when there is nothing to divide by."""

    household_visits: int = Field(description="户次: households visited (one per household per visit).")
    meetings: int = Field(description="Meetings held.")
    ledger_books: int = Field(description="Ledger books (民情台账) opened.")
    cases: int = Field(description="Cases raised, duplicates merged later included.")
    suggestions: int = Field(description="Of them, suggestions (问计).")
    resolved: int = Field(
        description="Resolutions in the period (a reopened case resolved again counts again)."
    )
    on_time: int = Field(description="Of them, within the time limit in force.")
    on_the_spot: int = Field(description="Of them, resolved on the spot.")
    on_time_percent: float | None = Field(description="on_time / resolved, in %, one decimal.")
    rated: int = Field(description="Return visits with a rating.")
    satisfied: int = Field(description="Return visits rated 满意.")
    basic: int = Field(description="Return visits rated 基本满意.")
    dissatisfied: int = Field(description="Return visits rated 不满意.")
    satisfied_percent: float | None = Field(
        description="Satisfaction per return visit: (satisfied + basic) / rated, in %."
    )
    cases_rated: int = Field(description="Cases rated in the period (their latest rating).")
    case_ratings: Ratings = Field(description="The latest rating of each case rated, by rating.")
    case_satisfied_percent: float | None = Field(
        description="Satisfaction per case: (satisfied + basic) / cases_rated, in %."
    )
    by_mode: list[ModeCount]
    by_state: dict[str, int] = Field(
        description="Cases raised in the period by their state at the period's end (registered, accepted, "
        "assigned, in_progress, resolved, visited, archived, declined, merged)."
    )
    deeds: list[DeedTotal] = Field(description="Deeds (实事) by kind, in the campaign's order.")


class Series(Schema):
    household_visits: list[int]
    meetings: list[int]
    cases: list[int]
    resolved: list[int]


class Trends(Schema):
    months: list[str] = Field(description="The period's months, 2026-01 …")
    series: Series = Field(description="One figure per month, in the order of `months`.")


class StatisticsOut(Schema):
    scope: ScopeOut
    start: datetime.date
    end: datetime.date
    figures: Figures
    trends: Trends


@router.get(
    "/statistics",
    response={200: StatisticsOut, **READ_ERRORS},
    summary="Campaign statistics of a period and scope",
)
def statistics(request, params: StatisticsIn = Query(...)):  # noqa: B008
    user = request.auth
    require_cap(user, Cap.VIEW_SCORECARD)
    scope = _scope(user, params)
    today = timezone.localdate()
    campaign = Campaign.objects.filter(bureau=scope.bureau, active=True).order_by("-start").first()
    start = params.start or (campaign.start if campaign else today.replace(month=1, day=1))
    end = params.end or today
    if end < start:
        raise ValidationError({"to": [_("The last day comes before the first.")]})
    f = stats.Filters(
        bureau_ids=scope.bureau_ids,
        start=start,
        end=end,
        department=scope.department,
        staff=scope.staff,
        township=scope.township,
    )
    result = stats.compute(f)
    trends = result["trends"]
    trends = {**trends, "months": [str(m) for m in trends["months"]]}
    return {
        "scope": _scope_out(scope),
        "start": start,
        "end": end,
        "figures": result["figures"],
        "trends": trends,
    }


PERIOD = re.compile(r"^(\d{4}(-\d{1,2}|-?Q[1-4])?|\d{4}-\d{2}-\d{2}\.\.\d{4}-\d{2}-\d{2})$", re.IGNORECASE)


class ZerosIn(ScopeIn):
    period: str | None = Field(
        None,
        pattern=NO_NUL,
        max_length=30,
        description="2026-01 (a month), 2026-Q1, 2026, or 2026-01-01..2026-03-31; this month by default.",
    )


class ZeroCell(Schema):
    """What a figure counts; the fields beyond `n` belong to one figure each."""

    n: int = Field(description="The figure: 0 is the target (零).")
    commitments: int | None = Field(None, description="lapse: commitments lapsed in the period.")
    months: int | None = Field(None, description="lapse: staff-months short of the on-site quota.")
    total: int | None = Field(None, description="distance: households of the scope's area.")
    unvisited: int | None = Field(None, description="distance: of them, not visited in the period.")
    coverage: float | None = Field(None, description="distance: households visited, in %.")


class ZeroOut(Schema):
    code: str = Field(
        description="delay (零延误), omission (零疏忽), error (零差错), lapse (零失误), distance (零距离), "
        "breach (零违犯: only for the integrity register's readers, so never for an API key)"
    )
    name: str = Field(description="As the campaign names it.")
    n: int
    cell: ZeroCell


class ZerosOut(Schema):
    scope: ScopeOut
    period: str
    start: datetime.date
    end: datetime.date
    zeros: list[ZeroOut]


@router.get(
    "/zeros", response={200: ZerosOut, **READ_ERRORS}, summary="The six zeros (六个零) of a period and scope"
)
def zeros(request, params: ZerosIn = Query(...)):  # noqa: B008
    user = request.auth
    require_cap(user, Cap.VIEW_SCORECARD)
    scope = _scope(user, params)
    today = timezone.localdate()
    try:
        period = Period.parse(params.period or f"{today:%Y-%m}")
    except ValueError as exc:
        raise ValidationError(
            {"period": [_("A period is a month (2026-01), a quarter (2026-Q1) or a year (2026).")]}
        ) from exc
    result = card(scope, period, today, viewer=user)
    figures = [
        {"code": code, "name": str(name), "n": int(cells[0].get("n", 0)), "cell": cells[0]}
        for code, name, _description, cells in result.figures
    ]
    return {
        "scope": _scope_out(scope),
        "period": period.label,
        "start": period.start,
        "end": period.end,
        "zeros": figures,
    }


class QuotaIn(ScopeIn):
    month: str | None = Field(None, pattern=r"^\d{4}-\d{2}$", description="2026-03; this month by default.")


class QuotaRow(Schema):
    staff: int
    name: str
    department: str | None
    quota: int = Field(description="The rank's monthly on-site days.")
    leave_days: int = Field(description="Working days of approved leave and business trips.")
    required: int = Field(description="quota less leave_days, never below zero.")
    achieved: int = Field(description="Distinct days on site.")
    shortfall: int = Field(description="required less achieved when short, else 0.")


class QuotaTotals(Schema):
    staff: int = Field(description="Staff in the table.")
    required_days: int = Field(description="On-site days required, added.")
    achieved_days: int = Field(description="Distinct on-site days achieved, added.")
    short: int = Field(description="Staff short of their quota.")
    shortfall_days: int = Field(description="Days missing, added over those short.")
    met: int = Field(description="Staff who met their quota.")


class QuotaOut(Schema):
    scope: ScopeOut
    month: str
    totals: QuotaTotals
    rows: list[QuotaRow]


@router.get("/quota", response={200: QuotaOut, **READ_ERRORS}, summary="The on-site quota table of a month")
def quota(request, params: QuotaIn = Query(...)):  # noqa: B008
    user = request.auth
    require_cap(user, Cap.VIEW_FIELDWORK)
    today = timezone.localdate()
    try:
        month = (
            datetime.datetime.strptime(params.month, "%Y-%m").date() if params.month else today.replace(day=1)
        )
    except ValueError as exc:
        raise ValidationError({"month": [_("A month is written as 2026-03.")]}) from exc
    scope = _scope(user, params)
    rows = quota_rows(
        bureau_ids=scope.bureau_ids,
        month=month,
        department_id=scope.department.pk if scope.department is not None else None,
    )
    if scope.staff is not None:
        rows = rows.filter(pk=scope.staff.pk)
    listed = rows.select_related("department").order_by("bureau__path", "department__order", "name")
    out = [
        {
            "staff": r.pk,
            "name": r.name,
            "department": r.department.name if r.department_id else None,
            "quota": r.base or 0,
            "leave_days": r.leave_days or 0,
            "required": r.required or 0,
            "achieved": r.achieved or 0,
            "shortfall": r.shortfall or 0,
        }
        for r in listed
    ]
    return {"scope": _scope_out(scope), "month": f"{month:%Y-%m}", "totals": quota_totals(rows), "rows": out}
