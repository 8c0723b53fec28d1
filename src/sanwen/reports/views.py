"""The dashboard: the campaign at a glance for any period and scope, its trends as charts, every
figure opening the records behind it, every table as xlsx, and the summary as a Word document."""

from django.contrib.auth.decorators import login_required
from django.db.models import F
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sanwen.accountability.scorecard import Period, card, completed_months
from sanwen.campaigns.models import Campaign, DeedKind, HandlingMode, Vehicle
from sanwen.cases.models import AskKind, ConcernKind, Satisfaction, State
from sanwen.core.access import (
    Cap,
    Scope,
    people_to_choose,
    require_cap,
    scope_from_request,
    sees_whole_bureau,
    unmasks_numbers,
)
from sanwen.core.choices import bureau_options, option_tags
from sanwen.core.pagination import paginate
from sanwen.core.params import query_date
from sanwen.core.text import mask_name
from sanwen.core.vocabulary import in_language
from sanwen.core.xlsx import xlsx_response
from sanwen.fieldwork.quota import quota_totals_by_month
from sanwen.org.models import Bureau, Department, Place, PlaceLevel
from sanwen.reports import stats
from sanwen.reports.summary import summary_docx

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def report_filters(request) -> tuple[stats.Filters, Bureau, str]:
    """The period and the scope asked for, limited to what the user may see (the access policy's
    one scope chooser, as the scorecard and the quota table)."""
    require_cap(request.user, Cap.VIEW_SCORECARD)
    scope = scope_from_request(request)
    today = timezone.localdate()
    campaign = Campaign.objects.filter(bureau=scope.bureau, active=True).order_by("-start").first()
    start = query_date(request.GET, "from", campaign.start if campaign else today.replace(month=1, day=1))
    end = query_date(request.GET, "to", today)
    if end < start:
        start, end = end, start
    f = stats.Filters(
        bureau_ids=scope.bureau_ids,
        start=start,
        end=end,
        department=scope.department,
        staff=scope.staff,
        township=scope.township,
    )
    label = scope.label if not scope.whole_bureau or scope.township is not None else scope.bureau.name
    return f, scope.bureau, label


def _query(request) -> str:
    params = request.GET.copy()
    for key in ("page", "format", "figure"):
        params.pop(key, None)
    return params.urlencode()


def _quota(f: stats.Filters, today):
    """Met / with a quota for each completed month of the period (the last twelve at most)."""
    period = Period(f.start, f.end, "custom", "")
    months = completed_months(period, today)[-12:]
    totals = quota_totals_by_month(
        bureau_ids=f.bureau_ids,
        months=months,
        department_id=f.department.pk if f.department else None,
        staff_id=f.staff.pk if f.staff is not None else None,
    )
    return [{"month": month, **totals[month]} for month in months]


def _zeros(f: stats.Filters, bureau, today, viewer, quota=()):
    """The six zeros of the filters' scope; the months of `quota` (_quota's rows) are not counted again."""
    scope = Scope(bureau=bureau, bureau_ids=f.bureau_ids, department=f.department, staff=f.staff)
    period = Period(f.start, f.end, "custom", f"{f.start}..{f.end}")
    return card(scope, period, today, viewer=viewer, short={row["month"]: row["short"] for row in quota})


def _vocabulary_in_language(data: dict) -> dict:
    """The handling modes and deed kinds (grouped by their simplified names) as the active language
    writes them: one query per vocabulary, none in simplified Chinese."""
    modes = in_language(HandlingMode, "name", (m["mode__name"] for m in data["by_mode"]))
    kinds = in_language(DeedKind, "name", (d["kind__name"] for d in data["deeds"]))
    vehicles = in_language(Vehicle, "name", (d["kind__vehicle__name"] for d in data["deeds"]))
    return data | {
        "by_mode": [m | {"mode__name": modes.get(m["mode__name"], m["mode__name"])} for m in data["by_mode"]],
        "deeds": [
            d
            | {
                "kind__name": kinds.get(d["kind__name"], d["kind__name"]),
                "kind__vehicle__name": vehicles.get(d["kind__vehicle__name"], d["kind__vehicle__name"]),
            }
            for d in data["deeds"]
        ],
    }


@login_required
def dashboard(request):
    f, bureau, label = report_filters(request)
    computed = stats.compute(f)
    data = _vocabulary_in_language(computed["figures"])
    children = []
    if not f.scoped and bureau.children.exists():
        kids = list(bureau.children.order_by("code"))
        owner = bureau.child_of(kids)
        rows = {kid.pk: {"bureau": kid} | dict.fromkeys(stats.BUREAU_KEYS, 0) for kid in kids}
        for bureau_id, counts in computed["by_bureau"].items():
            row = rows.get(owner.get(bureau_id))
            if row is not None:
                for key, value in counts.items():
                    row[key] += value
        for row in rows.values():
            row["on_time_percent"] = stats._percent(row["on_time"], row["resolved"])
            children.append(row)
    if request.GET.get("format") == "xlsx":
        return _dashboard_xlsx(data, children, f, label)
    user = request.user
    return render(
        request,
        "reports/dashboard.html",
        {
            "f": f,
            "bureau": bureau,
            "label": label,
            "data": data,
            "trends": computed["trends"],
            "children": children,
            "query": _query(request),
            "ask_kinds": [(k, label_, data[f"ask_{k}"]) for k, label_ in AskKind.choices],
            "concern_kinds": [(k, label_, data[f"concern_{k}"]) for k, label_ in ConcernKind.choices],
            "states": [(k, label_, data["by_state"].get(k, 0)) for k, label_ in State.choices],
            "satisfaction": [(k, label_, data[k]) for k, label_ in Satisfaction.choices],
            "child_bureaus": bureau_options(
                (user.bureau or bureau).descendants(include_self=False).order_by("path"), bureau.pk
            )
            if sees_whole_bureau(user)
            else "",
            "departments": Department.objects.filter(bureau=bureau).order_by("order")
            if sees_whole_bureau(user)
            else [],
            # The filter's choices as values (a province's area holds hundreds of townships).
            "townships": option_tags(
                Place.objects.within(bureau.area.code)
                .filter(level=PlaceLevel.TOWNSHIP)
                .order_by("code")
                .values_list("pk", "name"),
                f.township.pk if f.township else None,
            ),
            "people": people_to_choose(user, bureau, staff=f.staff, department=f.department),
        },
    )


def _dashboard_xlsx(data, children, f, label):
    period = f"{f.start}—{f.end}"
    figures = [
        [_("meetings"), data["meetings"]],
        [_("household visits (户次)"), data["household_visits"]],
        [_("ledger books"), data["ledger_books"]],
        [_("suggestions"), data["suggestions"]],
        [_("cases raised"), data["cases"]],
        [_("cases resolved"), data["resolved"]],
        [_("resolved on time (%)"), data["on_time_percent"]],
        [_("return visits"), data["rated"]],
        [_("satisfied or basically satisfied, per return visit (%)"), data["satisfied_percent"]],
        [_("cases rated"), data["cases_rated"]],
        [_("satisfied or basically satisfied, per case, latest rating (%)"), data["case_satisfied_percent"]],
    ]
    sheets = [
        (_("figures"), [_("figure"), f"{label} {period}"], figures),
        (
            _("handling modes"),
            [_("handling mode"), _("cases")],
            [[m["mode__name"], m["n"]] for m in data["by_mode"]],
        ),
        (
            _("deeds"),
            [_("kind"), _("quantity"), _("unit"), _("records")],
            [[d["kind__name"], float(d["quantity"]), d["unit"], d["n"]] for d in data["deeds"]],
        ),
    ]
    if children:
        sheets.append(
            (
                _("bureaus"),
                [
                    _("bureau"),
                    _("meetings"),
                    _("household visits (户次)"),
                    _("ledger books"),
                    _("suggestions"),
                    _("cases raised"),
                    _("cases resolved"),
                    _("resolved on time (%)"),
                ],
                [
                    [
                        r["bureau"].name,
                        r["meetings"],
                        r["household_visits"],
                        r["ledger_books"],
                        r["suggestions"],
                        r["cases"],
                        r["resolved"],
                        r["on_time_percent"],
                    ]
                    for r in children
                ],
            )
        )
    return xlsx_response(f"统计-{label}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx", sheets)


RECORD_TITLES = {
    "meetings": gettext_noop("Meetings"),
    "household_visits": gettext_noop("Household visits (户次)"),
    "ledger_books": gettext_noop("Ledger books"),
    "suggestions": gettext_noop("Suggestions"),
    "cases": gettext_noop("Cases raised"),
    "resolved": gettext_noop("Cases resolved"),
    "rated": gettext_noop("Cases rated"),
    "deeds": gettext_noop("Deeds (实事)"),
}


def _rows(figure, f, request):
    """The records of a figure (filtered further by kind, mode, state where asked), and their
    xlsx header and row function."""
    rows = stats.RECORDS[figure](f)
    unmask = unmasks_numbers(request.user)

    def client(name):
        return name if unmask else mask_name(name)

    if figure == "meetings":
        rows = rows.select_related("village").order_by("-on", "-pk")
        header = [_("date"), _("kind"), _("title"), _("village"), _("venue")]
        return (
            rows,
            header,
            lambda m: [m.on, m.get_kind_display(), m.title, m.village.name if m.village_id else "", m.place],
        )
    if figure == "household_visits":
        rows = rows.select_related("household", "household__township", "visit").order_by("-on", "-pk")
        header = [_("date"), _("client"), _("kind"), _("township"), _("channel")]
        return (
            rows,
            header,
            lambda v: [
                v.on,
                client(v.household.name),
                v.household.get_kind_display(),
                v.household.township.name,
                v.visit.get_channel_display(),
            ],
        )
    if figure == "ledger_books":
        rows = rows.select_related("keeper").order_by("-opened_on", "-pk")
        header = [_("opened on"), _("title"), _("kept for"), _("keeper")]
        return rows, header, lambda b: [b.opened_on, b.title, b.get_scope_display(), b.keeper.name]
    if figure == "deeds":
        kind = request.GET.get("kind")
        if kind:
            rows = rows.filter(kind__code=kind)
        rows = rows.select_related("kind", "department", "township").order_by("-on", "-pk")
        header = [
            _("date"),
            _("kind"),
            _("quantity"),
            _("unit"),
            _("department"),
            _("township"),
            _("what was done"),
        ]
        return (
            rows,
            header,
            lambda d: [
                d.on,
                d.kind.name,
                float(d.quantity),
                d.unit,
                d.department.name if d.department_id else "",
                d.township.name if d.township_id else "",
                d.description,
            ],
        )
    for key, field in (
        ("ask", "ask_kind"),
        ("concern", "concern_kind"),
        ("state", "state"),
        ("mode", "mode__code"),
        ("satisfaction", "satisfaction"),
    ):
        value = request.GET.get(key)
        if value and key == "state":
            # The state as the case stood at the period's end, as the figure counted it.
            state_then, step_then = stats.state_on(f.end)
            rows = rows.annotate(step_then=step_then).annotate(state_then=state_then).filter(state_then=value)
        elif value:
            rows = rows.filter(**{field: value})
    if request.GET.get("late") == "0":
        # Resolved on time in the period, by the timeline (the limit in force when resolved).
        rows = rows.filter(pk__in=stats.resolutions(f).filter(on__lte=F("deadline")).values("case_id"))
    rows = rows.select_related("mode", "owner", "household", "township").order_by("-raised_on", "-pk")
    header = [
        _("number"),
        _("raised on"),
        _("summary"),
        _("ask kind"),
        _("handling mode"),
        _("state"),
        _("owner"),
        _("time limit"),
        _("resolved on"),
        _("satisfaction"),
    ]
    return (
        rows,
        header,
        lambda c: [
            c.number,
            c.raised_on,
            c.title,
            c.get_ask_kind_display(),
            c.mode.name,
            c.get_state_display(),
            c.owner.name if c.owner_id else "",
            c.deadline,
            c.resolved_on,
            c.get_satisfaction_display() if c.satisfaction else "",
        ],
    )


@login_required
def records(request):
    f, bureau, label = report_filters(request)
    figure = request.GET.get("figure", "")
    if figure not in stats.RECORDS:
        raise Http404
    rows, header, row = _rows(figure, f, request)
    if request.GET.get("format") == "xlsx":
        data = (row(r) for r in rows.iterator(chunk_size=2000))
        return xlsx_response(
            f"{_(RECORD_TITLES[figure])}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.xlsx", [(label, header, data)]
        )
    page, _query_string = paginate(request, rows, 50)
    return render(
        request,
        "reports/records.html",
        {
            "figure": figure,
            "title": _(RECORD_TITLES[figure]),
            "label": label,
            "f": f,
            "header": header,
            "rows": [row(r) for r in page],
            "objects": list(page),
            "page": page,
            "query": _query_string,
            "back": _query(request),
        },
    )


@login_required
def summary(request):
    f, bureau, label = report_filters(request)
    body = summary_docx(bureau, f, who=label if f.scoped else "")
    response = HttpResponse(body, content_type=DOCX)
    from urllib.parse import quote

    name = f"三问三解活动情况-{label}-{f.start:%Y%m%d}-{f.end:%Y%m%d}.docx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@login_required
def dashboard_duty(request):
    """The dashboard's quota compliance and six zeros: loaded after the page (they read more)."""
    f, bureau, label = report_filters(request)
    today = timezone.localdate()
    quota = _quota(f, today)
    return render(
        request,
        "reports/_duty.html",
        {
            "f": f,
            "quota": quota,
            "zeros": _zeros(f, bureau, today, request.user, quota),
            "scope_query": "&".join(
                [f"period={f.start}..{f.end}", f"bureau={bureau.pk}"]
                + ([f"staff={f.staff.pk}"] if f.staff else [])
                + ([f"department={f.department.pk}"] if f.department and not f.staff else [])
            ),
        },
    )
