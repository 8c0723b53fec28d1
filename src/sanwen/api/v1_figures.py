"""Figures over the API: the campaign statistics and the six zeros of a period and scope, and the
quota table of a month. The scope is chosen by the access policy (`choose_scope`), as on the pages."""

import datetime
import re
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from sanwen.accountability.scorecard import Period, card
from sanwen.api.cursor import NO_NUL
from sanwen.api.v1_cases import READ_ERRORS
from sanwen.campaigns.models import Campaign
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


class StatisticsOut(Schema):
    scope: ScopeOut
    start: datetime.date
    end: datetime.date
    figures: dict[str, Any] = Field(
        description="household_visits, meetings, cases, resolved, on_time, … by_mode, by_state, deeds."
    )
    trends: dict[str, Any]


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


class ZeroOut(Schema):
    code: str = Field(description="delay, omission, error, lapse, distance, breach")
    name: str
    n: int
    cell: dict[str, Any]


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
    quota: int
    leave_days: int
    required: int
    achieved: int
    shortfall: int


class QuotaOut(Schema):
    scope: ScopeOut
    month: str
    totals: dict[str, int]
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
