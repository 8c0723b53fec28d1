import datetime
import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, OuterRef, Prefetch, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanwen.campaigns.models import Campaign
from sanwen.cases.models import Case
from sanwen.clients.models import Household
from sanwen.core.access import (
    Cap,
    get_visible_or_404,
    has_cap,
    may_read_notebook,
    require_cap,
    scope_from_request,
    sees_whole_bureau,
    unmasks_numbers,
    visible,
)
from sanwen.core.csp import STAFF_CSP
from sanwen.core.pagination import bounded_count, paginate
from sanwen.core.text import mask_phone
from sanwen.core.versions import is_stale, keep_entry_after_conflict
from sanwen.core.views import photo_response
from sanwen.core.vocabulary import in_language
from sanwen.core.xlsx import xlsx_response
from sanwen.fieldwork import services
from sanwen.fieldwork.forms import (
    DecisionForm,
    FieldDayForm,
    ItemFormSet,
    LeaveForm,
    LedgerForm,
    MeetingForm,
    ResearchForm,
    ResearchUpdateForm,
    ReviewForm,
    VisitForm,
    items_from,
    parse_month,
)
from sanwen.fieldwork.ledger import book_households, household_records, notebook
from sanwen.fieldwork.models import (
    FieldDay,
    Leave,
    LeaveState,
    LedgerBook,
    Meeting,
    Research,
    Visit,
    VisitDay,
    VisitHousehold,
    VisitPhoto,
    VisitStaff,
    month_end,
)
from sanwen.fieldwork.quota import my_progress, quota_rows, quota_summary, quota_summary_tallied, short_only
from sanwen.org.models import Department, Staff

LEDGER_PAGE = 25  # households per screen page of a ledger book
# Printing shows every household on one page, up to this many (beyond it: the xlsx, or a shorter period).
LEDGER_PRINT_LIMIT = 2000


def _campaign_or_404(request, on=None):
    campaign = (
        Campaign.objects.current(request.user.bureau, on or timezone.localdate())
        if request.user.bureau_id
        else None
    )
    if campaign is None:
        raise Http404(_("No campaign of the bureau is running."))
    return campaign


def _households(request, ids):
    found = {
        h.pk: h
        for h in visible(Household.objects.select_related("township", "village"), request.user).filter(
            pk__in=ids
        )
    }
    return [found[i] for i in ids if i in found]


# --- my field work ------------------------------------------------------------------------


@login_required
def fieldwork_home(request):
    """One's own month: progress against the quota, field days, recent visits, leave."""
    require_cap(request.user, Cap.RECORD_FIELDWORK)
    user, today = request.user, timezone.localdate()
    if user.bureau_id is None:  # the platform operator has no field days: the bureaus' quota tables
        return redirect("quota_table")
    form = FieldDayForm(request.POST or None, bureau=user.bureau, initial={"on": today})
    if request.method == "POST" and form.is_valid():
        try:
            services.field_day_record(by=user, staff=user, **form.cleaned_data)
            messages.success(request, _("Field day recorded."))
            return redirect("fieldwork_home")
        except ValidationError as exc:
            form.add_error(None, exc)
    first = today.replace(day=1)
    days = FieldDay.objects.filter(staff=user, on__gte=first).select_related("village").order_by("-on")
    visits = Visit.objects.filter(staff_links__staff=user).annotate(n=Count("household_links", distinct=True))
    context = {
        "form": form,
        "progress": my_progress(user, today),
        "days": days,
        "visits": visits.order_by("-on", "-id")[:10],
        "month_households": VisitHousehold.objects.filter(
            visit__staff_links__staff=user, on__gte=first
        ).count(),
        "leaves": Leave.objects.filter(staff=user).order_by("-start")[:5],
        "today": today,
    }
    return render(request, "fieldwork/home.html", context)


# --- offline: the service worker and the outbox page ----------------------------------------


@require_GET
def service_worker(request):
    """The service worker of the field pages (scope /field/). It holds no data, so it is served to
    anyone; the browser checks it for updates on every visit (no-cache)."""
    # Offline, a field page never opened on this phone cannot be shown: the worker answers with this
    # page instead of the browser's own error (the links are the pages every phone keeps).
    fallback = {
        "lang": get_language() or settings.LANGUAGE_CODE,
        "title": _("Not on this phone"),
        "text": _(
            "This page is not saved on this phone, and there is no signal to fetch it. "
            "The pages below are kept on the phone and work without signal:"
        ),
        "links": [
            (reverse("visit_record"), _("Record a visit")),
            (reverse("meeting_record"), _("Record a meeting")),
            (reverse("fieldwork_home"), _("Field work")),
            (reverse("outbox"), _("Waiting to upload")),
        ],
    }
    response = render(
        request,
        "fieldwork/sw.js",
        {
            "static_prefix": settings.STATIC_URL,
            "fallback": json.dumps(fallback, ensure_ascii=False),
            "csp": json.dumps(STAFF_CSP),
        },
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"
    return response


@login_required
def outbox(request):
    """What waits on this phone: filled in by offline.js from the phone's own storage."""
    require_cap(request.user, Cap.RECORD_FIELDWORK)
    return render(request, "fieldwork/outbox.html")


# --- visits -------------------------------------------------------------------------------


@login_required
def visit_list(request):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    visits = visible(Visit.objects.all(), request.user)
    q = request.GET.get("q", "").strip()
    if q:
        matches = visible(Household.objects.all(), request.user).search(q).values("pk")
        # Filters by subquery, not by join: a visit stays one row, so the list needs no DISTINCT and keeps
        # reading the (bureau, on, id) index in its order.
        visits = visits.filter(
            pk__in=VisitHousehold.objects.filter(household_id__in=matches).values("visit_id")
        )
    if request.GET.get("mine"):
        visits = visits.filter(pk__in=VisitStaff.objects.filter(staff=request.user).values("visit_id"))
    for key, lookup in (("from", "on__gte"), ("to", "on__lte")):
        try:
            if request.GET.get(key):
                visits = visits.filter(**{lookup: datetime.date.fromisoformat(request.GET[key])})
        except ValueError:
            messages.error(request, _("Dates are written as 2026-03-05."))
    # The items raised on a visit are counted for the page's rows only (a correlated subquery on
    # cases.visit_id), never grouped over the bureau's visits.
    n_cases = (
        Case.objects.filter(visit_id=OuterRef("pk"))
        .order_by()
        .values("visit_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    visits = visits.order_by("-on", "-id")
    # Counted without the per-row figures (a COUNT over a subquery would work out each row's).
    count = bounded_count(visits)
    visits = (
        visits.select_related("village")
        # The rows show names only: not every column of each household and person.
        .prefetch_related(
            Prefetch("households", queryset=Household.objects.only("id", "name")),
            Prefetch("staff", queryset=Staff.objects.only("id", "name")),
        )
        .annotate(n_cases=Coalesce(Subquery(n_cases), 0))
    )
    page, query = paginate(request, visits, count=count)
    # The bureau's 户次 in all, from the per-day counts kept as visits are recorded (a year is a few
    # hundred rows), not a count of every 户次 on every request.
    totals = visible(VisitDay.objects.all(), request.user).aggregate(n=Coalesce(Sum("household_visits"), 0))
    return render(
        request, "fieldwork/visit_list.html", {"page": page, "query": query, "q": q, "totals": totals}
    )


@login_required
def visit_record(request):
    require_cap(request.user, Cap.RECORD_FIELDWORK)
    user, today = request.user, timezone.localdate()
    campaign = _campaign_or_404(request)
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        bureau=user.bureau,
        campaign=campaign,
        initial={"on": today},
    )
    items = ItemFormSet(request.POST or None, prefix="items", form_kwargs={"campaign": campaign})
    households = []
    if request.method == "POST":
        if form.is_valid():
            households = _households(request, form.cleaned_data["households"])
        if form.is_valid() and items.is_valid():
            data = form.cleaned_data
            try:
                visit = services.visit_record(
                    bureau=user.bureau,
                    by=user,
                    on=data["on"],
                    channel=data["channel"],
                    diary=data["diary"],
                    households=households,
                    staff=[user, *data["staff"]],
                    vehicles=data["vehicles"],
                    roles=data["roles"],
                    photos=request.FILES.getlist("photos"),
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    accuracy=data["accuracy"],
                    items=items_from(items, households),
                )
                raised = visit.cases.count()
                messages.success(
                    request,
                    _("Visit recorded: %(n)d household(s), %(c)d item(s) raised.")
                    % {"n": len(households), "c": raised},
                )
                return redirect(visit)
            except ValidationError as exc:
                for field, errors in (
                    exc.message_dict.items() if hasattr(exc, "error_dict") else [(None, exc.messages)]
                ):
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
    return render(
        request,
        "fieldwork/visit_record.html",
        {
            "form": form,
            "items": items,
            "households": households,
            "chosen": ",".join(str(h.pk) for h in households),
        },
    )


@login_required
def visit_detail(request, visit_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    visit = get_visible_or_404(
        Visit.objects.select_related("village", "recorded_by", "campaign").prefetch_related(
            "households__township", "households__village", "staff", "vehicles", "roles", "photos", "research"
        ),
        request.user,
        pk=visit_id,
    )
    cases = visit.cases.select_related("mode", "owner").order_by("id")
    return render(request, "fieldwork/visit_detail.html", {"visit": visit, "cases": cases})


@login_required
def visit_photo(request, photo_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    photo = VisitPhoto.objects.select_related("visit").filter(pk=photo_id).first()
    if photo is None or (photo.visit.bureau_id != request.user.bureau_id and not request.user.is_superuser):
        raise Http404
    return photo_response(photo.image)


# --- leave --------------------------------------------------------------------------------


@login_required
def leave_list(request):
    require_cap(request.user, Cap.RECORD_FIELDWORK)
    form = LeaveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.leave_request(by=request.user, **form.cleaned_data)
            messages.success(request, _("Your request was sent to the bureau's leaders."))
            return redirect("leave_list")
        except ValidationError as exc:
            form.add_error(None, exc)
    mine = Leave.objects.filter(staff=request.user).select_related("decided_by")
    pending = (
        visible(Leave.objects.filter(state=LeaveState.PENDING).exclude(staff=request.user), request.user)
        .select_related("staff", "staff__department")
        .order_by("start")
        if has_cap(request.user, Cap.APPROVE_LEAVE)
        else None
    )
    page, query = paginate(request, mine)
    return render(
        request,
        "fieldwork/leave_list.html",
        {"form": form, "page": page, "query": query, "pending": pending, "decide": DecisionForm()},
    )


@login_required
@require_POST
def leave_decide(request, leave_id):
    require_cap(request.user, Cap.APPROVE_LEAVE)
    leave = get_visible_or_404(Leave.objects.all(), request.user, pk=leave_id)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            services.leave_decide(leave=leave, by=request.user, **form.cleaned_data)
            messages.success(request, _("Decision recorded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose approve or refuse."))
    return redirect("leave_list")


@login_required
@require_POST
def leave_withdraw(request, leave_id):
    require_cap(request.user, Cap.RECORD_FIELDWORK)
    leave = get_visible_or_404(Leave.objects.all(), request.user, pk=leave_id)
    try:
        services.leave_withdraw(leave=leave, by=request.user)
        messages.success(request, _("The leave was withdrawn."))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("leave_list")


# --- quota compliance ---------------------------------------------------------------------


def _departments_in_language(rows: list[dict]) -> list[dict]:
    """The subtotals are grouped by the department's simplified name; shown in the language chosen."""
    names = in_language(Department, "name", (r["department__name"] for r in rows))
    return [dict(r, department__name=names.get(r["department__name"], r["department__name"])) for r in rows]


@login_required
def quota_table(request):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    today = timezone.localdate()
    month = parse_month(request.GET.get("month"), today)
    if month > today:
        messages.error(request, _("That month has not begun yet."))
        month = today.replace(day=1)
    scope = scope_from_request(request)
    bureau = scope.bureau
    department_id = scope.department.pk if scope.department is not None else None
    rows = quota_rows(bureau_ids=scope.bureau_ids, month=month, department_id=department_id)
    if scope.staff is not None:
        rows = rows.filter(pk=scope.staff.pk)
    in_progress = month_end(month) >= today
    listed = rows.select_related("department", "bureau").order_by("bureau__path", "department__order", "name")
    if request.GET.get("short"):
        listed = short_only(listed)
    if request.GET.get("format") == "xlsx":
        header = [
            _("bureau"),
            _("department"),
            _("name"),
            _("rank"),
            _("quota"),
            _("leave days"),
            _("required"),
            _("achieved"),
            _("shortfall"),
        ]
        data = (
            [
                r.bureau.short_name,
                r.department.name if r.department else "",
                r.name,
                r.get_rank_display(),
                r.base,
                r.leave_days,
                r.required,
                r.achieved,
                r.shortfall,
            ]
            for r in listed.iterator(chunk_size=2000)
        )
        return xlsx_response(f"到点天数-{month:%Y-%m}.xlsx", [(f"{month:%Y-%m}", header, data)])
    if scope.staff is None:
        totals, by_department = quota_summary_tallied(
            bureau_ids=scope.bureau_ids, month=month, department_id=department_id
        )
    else:
        totals, by_department = quota_summary(rows)
    # The page's rows are the totals' staff, unless only the shortfalls are listed.
    page, query = paginate(request, listed, 50, count=None if request.GET.get("short") else totals["staff"])
    context = {
        "month": month,
        "months": _recent_months(today),
        "bureau": bureau,
        "children": request.user.bureau.descendants(include_self=False).order_by("path")
        if request.user.bureau and sees_whole_bureau(request.user)
        else [],
        "departments": Department.objects.filter(bureau=bureau).order_by("order")
        if sees_whole_bureau(request.user)
        else [],
        "department_id": department_id,
        "totals": totals,
        "by_department": _departments_in_language(by_department),
        "page": page,
        "query": query,
        "in_progress": in_progress,
    }
    return render(request, "fieldwork/quota_table.html", context)


def _recent_months(today, n=18):
    months, day = [], today.replace(day=1)
    for _i in range(n):
        months.append(day)
        day = (day - datetime.timedelta(days=1)).replace(day=1)
    return months


# --- meetings -----------------------------------------------------------------------------


@login_required
def meeting_list(request):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    meetings = visible(Meeting.objects.select_related("village"), request.user).annotate(
        n_staff=Count("staff", distinct=True),
        n_households=Count("households", distinct=True),
        n_cases=Count("cases", distinct=True),
    )
    page, query = paginate(request, meetings.order_by("-on", "-id"))
    return render(request, "fieldwork/meeting_list.html", {"page": page, "query": query})


@login_required
def meeting_record(request):
    require_cap(request.user, Cap.RECORD_FIELDWORK)
    user = request.user
    campaign = _campaign_or_404(request)
    form = MeetingForm(
        request.POST or None, bureau=user.bureau, campaign=campaign, initial={"on": timezone.localdate()}
    )
    items = ItemFormSet(request.POST or None, prefix="items", form_kwargs={"campaign": campaign})
    households = []
    if request.method == "POST":
        if form.is_valid():
            households = _households(request, form.cleaned_data["households"])
        if form.is_valid() and items.is_valid():
            data = form.cleaned_data
            data.pop("households")
            try:
                meeting = services.meeting_record(
                    bureau=user.bureau,
                    by=user,
                    households=households,
                    staff=list(data.pop("staff")) or [user],
                    items=items_from(items, households),
                    **data,
                )
                messages.success(request, _("Meeting recorded."))
                return redirect(meeting)
            except ValidationError as exc:
                form.add_error(None, exc)
    return render(
        request,
        "fieldwork/meeting_record.html",
        {
            "form": form,
            "items": items,
            "households": households,
            "chosen": ",".join(str(h.pk) for h in households),
        },
    )


@login_required
def meeting_detail(request, meeting_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    meeting = get_visible_or_404(
        Meeting.objects.select_related("village", "recorded_by").prefetch_related(
            "staff", "households", "vehicles"
        ),
        request.user,
        pk=meeting_id,
    )
    return render(
        request,
        "fieldwork/meeting_detail.html",
        {"meeting": meeting, "cases": meeting.cases.select_related("mode").order_by("id")},
    )


# --- research -----------------------------------------------------------------------------


@login_required
def research_list(request):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    form = (
        ResearchForm(
            request.POST or None, bureau=request.user.bureau, initial={"started_on": timezone.localdate()}
        )
        if request.user.bureau_id
        else None
    )
    if request.method == "POST":
        require_cap(request.user, Cap.RECORD_FIELDWORK)
        if form.is_valid():
            try:
                research = services.research_start(
                    bureau=request.user.bureau, by=request.user, **form.cleaned_data
                )
                return redirect(research)
            except ValidationError as exc:
                form.add_error(None, exc)
    topics = visible(
        Research.objects.select_related("staff", "contact_point__village"), request.user
    ).annotate(n_visits=Count("visits", distinct=True), n_meetings=Count("meetings", distinct=True))
    page, query = paginate(request, topics.order_by("-started_on", "-id"))
    return render(request, "fieldwork/research_list.html", {"page": page, "query": query, "form": form})


@login_required
def research_detail(request, research_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    research = get_visible_or_404(
        Research.objects.select_related("staff", "contact_point__village"), request.user, pk=research_id
    )
    may_edit = has_cap(request.user, Cap.RECORD_FIELDWORK) and services._may_record_for(
        request.user, research.staff
    )
    form = ResearchUpdateForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "findings": research.findings,
            "reported_on": research.reported_on,
            "visits": ", ".join(str(pk) for pk in research.visits.values_list("pk", flat=True)),
            "version": research.version,
        },
    )
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            visits = list(visible(Visit.objects.all(), request.user).filter(pk__in=data["visits"]))
            try:
                if len(visits) != len(set(data["visits"])):
                    raise ValidationError({"visits": [_("Some of these visits do not exist.")]})
                services.research_update(
                    research=research,
                    by=request.user,
                    findings=data["findings"],
                    visits=visits,
                    report=data["report"],
                    reported_on=data["reported_on"],
                    version=data["version"],
                )
                messages.success(request, _("Saved."))
                return redirect(research)
            except ValidationError as exc:
                if is_stale(exc):
                    research.refresh_from_db(fields=["version"])
                    keep_entry_after_conflict(form, research.version)
                form.add_error(None, exc)
    visits = research.visits.prefetch_related("households").order_by("on")
    meetings = research.meetings.order_by("on")
    return render(
        request,
        "fieldwork/research_detail.html",
        {"research": research, "form": form, "may_edit": may_edit, "visits": visits, "meetings": meetings},
    )


@login_required
def research_report(request, research_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    research = get_visible_or_404(Research.objects.all(), request.user, pk=research_id)
    if not research.report:
        raise Http404
    try:
        handle = research.report.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=research.report.name.rsplit("/", 1)[-1])


# --- ledger books -------------------------------------------------------------------------


@login_required
def ledger_list(request):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    form = (
        LedgerForm(
            request.POST or None, bureau=request.user.bureau, initial={"opened_on": timezone.localdate()}
        )
        if request.user.bureau_id
        else None
    )
    if request.method == "POST":
        require_cap(request.user, Cap.RECORD_FIELDWORK)
        if form.is_valid():
            try:
                book = services.ledger_open(bureau=request.user.bureau, by=request.user, **form.cleaned_data)
                messages.success(request, _("Ledger book opened."))
                return redirect(book)
            except ValidationError as exc:
                form.add_error(None, exc)
    books = visible(
        LedgerBook.objects.select_related(
            "contact_point__village", "contact_point__staff", "village", "staff", "keeper"
        ),
        request.user,
    )
    page, query = paginate(request, books)
    return render(
        request,
        "fieldwork/ledger_list.html",
        {"page": page, "query": query, "form": form, "count": books.count()},
    )


def _period(request):
    start = end = None
    try:
        if request.GET.get("from"):
            start = datetime.date.fromisoformat(request.GET["from"])
        if request.GET.get("to"):
            end = datetime.date.fromisoformat(request.GET["to"])
    except ValueError:
        messages.error(request, _("Dates are written as 2026-03-05."))
    return start, end


def _ledger_rows(households, records, *, unmask: bool):
    for h in households:
        h.records = records[h.pk]
        h.phone_shown = h.phone if unmask else mask_phone(h.phone)
        yield h


@login_required
def ledger_detail(request, book_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    book = get_visible_or_404(
        LedgerBook.objects.select_related(
            "contact_point__village", "contact_point__staff", "village", "staff", "keeper"
        ),
        request.user,
        pk=book_id,
    )
    start, end = _period(request)
    households = (
        book_households(book).select_related("township", "village").order_by("village__name", "name", "pk")
    )
    printing = request.GET.get("print") == "1"
    page, query = paginate(request, households, LEDGER_PRINT_LIMIT if printing else LEDGER_PAGE)
    records = household_records([h.pk for h in page], start=start, end=end)
    rows = list(_ledger_rows(page, records, unmask=unmasks_numbers(request.user)))
    return render(
        request,
        "fieldwork/ledger_detail.html",
        {
            "book": book,
            "page": page,
            "query": query,
            "rows": rows,
            "start": start,
            "end": end,
            "printing": printing,
            "print_limit": LEDGER_PRINT_LIMIT,
        },
    )


@login_required
def ledger_export(request, book_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    book = get_visible_or_404(LedgerBook.objects.all(), request.user, pk=book_id)
    start, end = _period(request)
    unmask = unmasks_numbers(request.user)
    ids = list(book_households(book).order_by("village__name", "name", "pk").values_list("pk", flat=True))

    def rows():
        for chunk_start in range(0, len(ids), 500):
            chunk = ids[chunk_start : chunk_start + 500]
            households = {
                h.pk: h for h in Household.objects.filter(pk__in=chunk).select_related("township", "village")
            }
            records = household_records(chunk, start=start, end=end)
            for pk in chunk:
                h = households[pk]
                place = f"{h.township.name} {h.village.name if h.village else ''}".strip()
                base = [
                    h.get_kind_display(),
                    h.name,
                    h.phone if unmask else mask_phone(h.phone),
                    place,
                ]
                visits, cases = records[pk]["visits"], records[pk]["cases"]
                for i in range(max(len(visits), len(cases), 1)):
                    v = visits[i] if i < len(visits) else None
                    c = cases[i] if i < len(cases) else None
                    yield [
                        *(base if i == 0 else ["", "", "", ""]),
                        v["on"].isoformat() if v else "",
                        v["staff"] if v else "",
                        v["diary"] if v else "",
                        c["number"] if c else "",
                        c["title"] if c else "",
                        str(c["state_display"]) if c else "",
                        c["resolution"] if c else "",
                    ]

    header = [
        _("kind"),
        _("client name"),
        _("mobile phone"),
        _("place"),
        _("visit date"),
        _("staff"),
        _("sentiment diary (民情日志)"),
        _("case number"),
        _("case"),
        _("state"),
        _("result"),
    ]
    return xlsx_response(f"{book.title}.xlsx", [(book.title, header, rows())])


# --- work notebooks -----------------------------------------------------------------------


def _notebook_owner(request, staff_id):
    staff = get_visible_or_404(Staff.objects.select_related("department"), request.user, pk=staff_id)
    if not may_read_notebook(request.user, staff):
        raise PermissionDenied
    return staff


def _may_review(user, staff) -> bool:
    if staff.pk == user.pk or not has_cap(user, Cap.REVIEW_NOTEBOOKS):
        return False
    return has_cap(user, Cap.VIEW_ALL_NOTEBOOKS) or user.department_id == staff.department_id


@login_required
def my_notebook(request):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    return redirect(reverse("notebook", kwargs={"staff_id": request.user.pk}) + "?" + request.GET.urlencode())


@login_required
def notebook_list(request):
    """The staff whose notebooks one may read, with this month's figures."""
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    user = request.user
    if not (has_cap(user, Cap.VIEW_ALL_NOTEBOOKS) or has_cap(user, Cap.REVIEW_NOTEBOOKS)):
        return redirect("my_notebook")
    month = parse_month(request.GET.get("month"))
    rows = quota_rows(bureau_ids=[user.bureau_id], month=month)
    if not has_cap(user, Cap.VIEW_ALL_NOTEBOOKS):
        rows = rows.filter(department_id=user.department_id)
    page, query = paginate(
        request, rows.select_related("department").order_by("department__order", "name"), 50
    )
    return render(
        request,
        "fieldwork/notebook_list.html",
        {"page": page, "query": query, "month": month, "months": _recent_months(timezone.localdate())},
    )


@login_required
def notebook_view(request, staff_id):
    require_cap(request.user, Cap.VIEW_FIELDWORK)
    staff = _notebook_owner(request, staff_id)
    month = parse_month(request.GET.get("month"))
    may_review = _may_review(request.user, staff)
    form = ReviewForm(request.POST or None)
    if request.method == "POST":
        if not may_review:
            raise PermissionDenied
        if form.is_valid():
            try:
                services.notebook_review(by=request.user, staff=staff, month=month, **form.cleaned_data)
                messages.success(request, _("Remark added."))
                return redirect(request.get_full_path())
            except ValidationError as exc:
                form.add_error(None, exc)
    data = notebook(staff, month)
    progress = quota_rows(bureau_ids=[staff.bureau_id], month=month).filter(pk=staff.pk).first()
    if request.GET.get("format") == "xlsx":
        return _notebook_xlsx(staff, month, data)
    return render(
        request,
        "fieldwork/notebook.html",
        {
            "staff": staff,
            "month": month,
            "months": _recent_months(timezone.localdate()),
            "data": data,
            "progress": progress,
            "form": form,
            "may_review": may_review,
        },
    )


def _notebook_xlsx(staff, month, data):
    days = (
        [d.on.isoformat(), d.village.name if d.village else "", d.activity, d.get_source_display()]
        for d in data["field_days"]
    )
    visits = (
        [
            v.on.isoformat(),
            v.get_channel_display(),
            "、".join(h.name for h in v.households.all()),
            "、".join(p.name for p in v.staff.all()),
            "、".join(x.name for x in v.vehicles.all()),
            v.diary,
        ]
        for v in data["visits"]
    )
    cases = (
        [
            c.number,
            c.raised_on.isoformat(),
            c.title,
            c.mode.name,
            c.get_state_display(),
            c.deadline.isoformat() if c.deadline else "",
            c.resolution,
        ]
        for c in data["cases"]
    )
    name = f"工作笔记-{staff.name}-{month:%Y-%m}.xlsx"
    return xlsx_response(
        name,
        [
            (_("field days"), [_("date"), _("place"), _("what was done"), _("recorded")], days),
            (
                _("visits"),
                [
                    _("date"),
                    _("channel"),
                    _("households"),
                    _("staff"),
                    _("activity vehicles"),
                    _("sentiment diary (民情日志)"),
                ],
                visits,
            ),
            (
                _("cases"),
                [
                    _("number"),
                    _("raised on"),
                    _("summary"),
                    _("handling mode"),
                    _("state"),
                    _("time limit"),
                    _("result"),
                ],
                cases,
            ),
        ],
    )
