"""Accountability pages: the six-zeros scorecard and the records behind each figure, commitments,
the integrity register (inspectors and leaders only; never a report about oneself) and annual
assessments with their Word export."""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanwen.accountability import services
from sanwen.accountability.docx import assessments_docx
from sanwen.accountability.forms import (
    AssessmentForm,
    CommitmentForm,
    ConcludeForm,
    EvidenceForm,
    GiftForm,
    GiftHandleForm,
    InternalReportForm,
    InvestigateForm,
    JudgeForm,
    NoteForm,
)
from sanwen.accountability.models import (
    Assessment,
    AssessmentState,
    Commitment,
    CommitmentState,
    GiftDeclaration,
    ReportState,
    ViolationReport,
)
from sanwen.accountability.scorecard import (
    ZERO_NAMES,
    Period,
    card,
    completed_months,
    figure_name,
    records,
)
from sanwen.campaigns.models import Campaign
from sanwen.core.access import (
    Cap,
    Scope,
    has_cap,
    people_to_choose,
    reads_integrity,
    require_cap,
    scope_from_request,
    sees_whole_bureau,
    visible,
)
from sanwen.core.choices import bureau_options
from sanwen.core.forms import add_service_errors
from sanwen.core.pagination import paginate
from sanwen.core.params import FIRST_DAY, LAST_DAY, parse_id, query_id, query_ids
from sanwen.core.text import mask_name
from sanwen.core.versions import is_stale, keep_entry_after_conflict
from sanwen.org.models import Department, Role, Staff


def _today():
    return timezone.localdate()


# --- scorecard ------------------------------------------------------------------------------


def scorecard_scope(request) -> Scope:
    require_cap(request.user, Cap.VIEW_SCORECARD)
    return scope_from_request(request)


def _period(request) -> Period:
    text = request.GET.get("period") or f"{_today():%Y-%m}"
    try:
        period = Period.parse(text)
        if period.start < FIRST_DAY or period.end > LAST_DAY:  # 9999-12 would overflow further on
            raise ValueError(text)
        return period
    except ValueError:
        messages.error(request, _("A period is a month (2026-01), a quarter (2026-Q1) or a year (2026)."))
        return Period.parse(f"{_today():%Y-%m}")


def _scope_query(scope: Scope, period: Period) -> str:
    return f"period={period.label}&{scope.query()}"


@login_required
def scorecard_view(request):
    scope = scorecard_scope(request)
    period = _period(request)
    today = _today()
    children = scope.staff is None and scope.department is None and scope.bureau.children.exists()
    result = card(scope, period, today, children=children, viewer=request.user)
    user = request.user
    departments = (
        Department.objects.filter(bureau=scope.bureau).order_by("order") if sees_whole_bureau(user) else []
    )
    people = people_to_choose(user, scope.bureau, staff=scope.staff, department=scope.department)
    return render(
        request,
        "accountability/scorecard.html",
        {
            "scope": scope,
            "period": period,
            "card": result,
            "query": _scope_query(scope, period),
            "departments": departments,
            "people": people,
            "child_bureaus": bureau_options(
                (user.bureau or scope.bureau).descendants(include_self=False).order_by("path"),
                scope.bureau.pk,
            )
            if sees_whole_bureau(user)
            else "",
            "months": completed_months(period, today),
            "today": today,
        },
    )


RECORD_TEMPLATES = {
    "delay": "cases",
    "omission": "cases",
    "error": "cases",
    "commitments": "commitments",
    "quota": "quota",
    "distance": "households",
    "breach": "reports",
}


@login_required
def scorecard_records(request):
    """The records behind one figure of the scorecard."""
    scope = scorecard_scope(request)
    period = _period(request)
    code = request.GET.get("code", "")
    if code not in RECORD_TEMPLATES:
        raise Http404
    if code == "breach" and not reads_integrity(request.user):
        raise PermissionDenied
    month = None
    if code == "quota":
        months = completed_months(period, _today())
        wanted = request.GET.get("month")
        month = next((m for m in months if f"{m:%Y-%m}" == wanted), months[0] if months else period.start)
    rows = records(code, scope, period, _today(), month=month)
    if code == "breach":
        rows = visible(rows, request.user).select_related("prohibition", "accused")
    elif code in ("delay", "omission", "error"):
        rows = rows.select_related("owner", "mode", "department").order_by("deadline", "pk")
    elif code == "commitments":
        rows = rows.select_related("staff", "department").order_by("due_on", "pk")
    elif code == "quota":
        rows = rows.select_related("department").order_by("department__order", "name")
    elif code == "distance":
        rows = rows.select_related("village", "township").order_by("village__code", "pk")
    page, query = paginate(request, rows, 50)
    if code == "distance":
        for household in page:
            household.masked_name = mask_name(household.name)
    return render(
        request,
        "accountability/records.html",
        {
            "scope": scope,
            "period": period,
            "code": code,
            "figure_name": figure_name(code, scope, period, _today()),
            "kind": RECORD_TEMPLATES[code],
            "page": page,
            "query": query,
            "month": month,
            "months": completed_months(period, _today()) if code == "quota" else [],
            "back": _scope_query(scope, period),
        },
    )


# --- commitments ----------------------------------------------------------------------------


def _commitment_owners(user):
    """Whom the user may make a commitment for besides themselves."""
    if user.role == Role.LEADER:
        people = [
            (f"s{p.pk}", p.name)
            for p in Staff.objects.filter(bureau_id=user.bureau_id, is_active=True)
            .exclude(pk=user.pk)
            .order_by("name")
        ]
        departments = [
            (f"d{d.pk}", f"{d.name}（{_('department')}）")
            for d in Department.objects.filter(bureau_id=user.bureau_id)
        ]
        return departments + people
    if user.role == Role.DEPT_HEAD and user.department_id:
        return [(f"d{user.department_id}", f"{user.department.name}（{_('department')}）")]
    return []


def _visible_commitments(user):
    return visible(Commitment.objects.all(), user)


@login_required
def commitment_list(request):
    require_cap(request.user, Cap.MAKE_COMMITMENTS)
    user = request.user
    owners = _commitment_owners(user)
    form = CommitmentForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        owner = form.cleaned_data["owner"]
        staff = department = None
        if owner.startswith("s"):
            staff = Staff.objects.filter(pk=owner[1:], bureau_id=user.bureau_id).first()
        elif owner.startswith("d"):
            department = Department.objects.filter(pk=owner[1:], bureau_id=user.bureau_id).first()
        try:
            services.commitment_make(
                by=user,
                text=form.cleaned_data["text"],
                due_on=form.cleaned_data["due_on"],
                staff=staff,
                department=department,
            )
            messages.success(request, _("Commitment recorded."))
            return redirect("commitment_list")
        except ValidationError as exc:
            add_service_errors(form, exc)
    today = _today()
    rows = _visible_commitments(user).select_related("staff", "department", "staff__department")
    show = request.GET.get("show", "open")
    if show == "open":
        rows = rows.filter(state=CommitmentState.OPEN)
    elif show == "past_due":
        rows = rows.filter(state=CommitmentState.OPEN, due_on__lt=today)
    page, query = paginate(request, rows.order_by("due_on", "pk"), 30)
    return render(
        request,
        "accountability/commitments.html",
        {
            "form": form,
            "page": page,
            "query": query,
            "show": show,
            "today": today,
            "past_due": _visible_commitments(user)
            .filter(state=CommitmentState.OPEN, due_on__lt=today)
            .count(),
        },
    )


@login_required
def commitment_detail(request, commitment_id):
    require_cap(request.user, Cap.MAKE_COMMITMENTS)
    commitment = (
        _visible_commitments(request.user)
        .select_related("staff", "department", "closed_by")
        .filter(pk=commitment_id)
        .first()
    )
    if commitment is None:
        raise Http404
    initial = {"evidence": commitment.evidence, "version": commitment.version}
    evidence_form = EvidenceForm(initial=initial)
    judge_form = JudgeForm(initial=initial)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "judge":
                judge_form = JudgeForm(request.POST)
                if judge_form.is_valid():
                    services.commitment_judge(
                        commitment=commitment, by=request.user, **judge_form.cleaned_data
                    )
                    messages.success(request, _("Judgement recorded."))
                    return redirect("commitment_detail", commitment_id=commitment.pk)
            else:
                evidence_form = EvidenceForm(request.POST)
                if evidence_form.is_valid():
                    services.commitment_add_evidence(
                        commitment=commitment, by=request.user, **evidence_form.cleaned_data
                    )
                    messages.success(request, _("Evidence saved."))
                    return redirect("commitment_detail", commitment_id=commitment.pk)
        except ValidationError as exc:
            form = judge_form if request.POST.get("action") == "judge" else evidence_form
            if is_stale(exc):
                commitment.refresh_from_db(fields=["version"])
                keep_entry_after_conflict(form, commitment.version)
            add_service_errors(form, exc)
    return render(
        request,
        "accountability/commitment.html",
        {
            "commitment": commitment,
            "evidence_form": evidence_form,
            "judge_form": judge_form,
            # A refused judgement stays on the page with the user's entry, even if it is judged now.
            "may_judge": services.may_assess_commitment(request.user, commitment)
            and (commitment.state == CommitmentState.OPEN or judge_form.is_bound),
            "past_due": commitment.past_due(_today()),
        },
    )


# --- integrity register -------------------------------------------------------------------


@login_required
def integrity_register(request):
    """Inspectors and leaders: gift declarations and violation reports."""
    if not reads_integrity(request.user):
        raise PermissionDenied
    show = "gifts" if request.GET.get("show") == "gifts" else "reports"
    if show == "gifts":
        rows = visible(GiftDeclaration.objects.all(), request.user).select_related("staff")
    else:
        rows = visible(ViolationReport.objects.all(), request.user).select_related(
            "prohibition", "accused", "inspector"
        )
        state = request.GET.get("state")
        if state in ReportState.values:
            rows = rows.filter(state=state)
    page, query = paginate(request, rows, 30)
    return render(
        request,
        "accountability/register.html",
        {
            "show": show,
            "page": page,
            "query": query,
            "states": ReportState.choices,
            "state": request.GET.get("state", ""),
        },
    )


@login_required
def gift_declare(request):
    """Anyone declares a gift; they see their own declarations."""
    if request.user.bureau_id is None:
        raise Http404
    form = GiftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.gift_declare(by=request.user, **form.cleaned_data)
            messages.success(
                request, _("Declaration recorded. Return the gift or hand it in, then record which.")
            )
            return redirect("gift_declare")
        except ValidationError as exc:
            add_service_errors(form, exc)
    mine = visible(GiftDeclaration.objects.all(), request.user).filter(staff=request.user)
    return render(
        request,
        "accountability/gifts_mine.html",
        {"form": form, "mine": mine, "handle_form": GiftHandleForm(initial={"handled_on": _today()})},
    )


@login_required
@require_POST
def gift_handle(request, gift_id):
    gift = visible(GiftDeclaration.objects.all(), request.user).filter(pk=gift_id).first()
    if gift is None or not (gift.staff_id == request.user.pk or has_cap(request.user, Cap.INVESTIGATE)):
        raise Http404
    form = GiftHandleForm(request.POST)
    if form.is_valid():
        try:
            services.gift_handle(gift=gift, by=request.user, **form.cleaned_data)
            messages.success(request, _("Handling recorded."))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("Choose returned or handed in, and the day."))
    if reads_integrity(request.user):
        return redirect("/accountability/integrity/?show=gifts")
    return redirect("gift_declare")


@login_required
def report_new(request):
    """Any staff member reports a suspected breach of the 五不准 (anonymously if they wish)."""
    user = request.user
    campaign = Campaign.objects.current(user.bureau, _today()) if user.bureau else None
    if campaign is None:
        raise Http404
    form = InternalReportForm(request.POST or None, campaign=campaign, bureau=user.bureau, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.report_internal(by=user, **form.cleaned_data)
            messages.success(request, _("Report received. The inspectors will look into it."))
            return redirect("home")
        except ValidationError as exc:
            add_service_errors(form, exc)
    return render(request, "accountability/report_new.html", {"form": form})


@login_required
def report_detail(request, report_id):
    if not reads_integrity(request.user):
        raise PermissionDenied
    report = (
        visible(ViolationReport.objects.all(), request.user)
        .select_related("prohibition", "accused", "inspector", "reporter")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        raise Http404
    user = request.user
    forms = {
        "investigate": InvestigateForm(
            bureau=report.bureau, user=user, initial={"accused": report.accused_id}
        ),
        "note": NoteForm(),
        "conclude": ConcludeForm(),
    }
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "investigate":
                forms["investigate"] = form = InvestigateForm(request.POST, bureau=report.bureau, user=user)
                if form.is_valid():
                    services.report_investigate(report=report, by=user, **form.cleaned_data)
                    return redirect("report_detail", report_id=report.pk)
            elif action == "note":
                forms["note"] = form = NoteForm(request.POST)
                if form.is_valid():
                    services.report_note(report=report, by=user, **form.cleaned_data)
                    return redirect("report_detail", report_id=report.pk)
            elif action == "conclude":
                forms["conclude"] = form = ConcludeForm(request.POST)
                if form.is_valid():
                    services.report_conclude(report=report, by=user, **form.cleaned_data)
                    messages.success(request, _("Investigation concluded."))
                    return redirect("report_detail", report_id=report.pk)
            else:
                raise Http404
        except ValidationError as exc:
            add_service_errors(forms[action], exc)
    return render(
        request,
        "accountability/report.html",
        {
            "report": report,
            "events": report.events.select_related("by"),
            "forms": forms,
            "may_investigate": has_cap(user, Cap.INVESTIGATE),
        },
    )


# --- annual assessments ---------------------------------------------------------------------


def _year(request) -> int:
    year = parse_id(request.GET.get("year") or request.POST.get("year"))
    today = _today()
    # The current year by default: its drafts are being written (the demo's, a bureau's in autumn).
    return year if year and 2000 <= year <= today.year else today.year


@login_required
def assessment_list(request):
    require_cap(request.user, Cap.ASSESS)
    user = request.user
    year = _year(request)
    if request.method == "POST":
        try:
            people = (
                Staff.objects.filter(bureau_id=user.bureau_id, is_active=True)
                .exclude(role=Role.ADMIN)
                .exclude(pk=user.pk)
            )
            wanted = query_ids(request.POST, "staff")
            if wanted:
                people = people.filter(pk__in=wanted)
            made = 0
            for person in people.exclude(assessments__year=year):
                services.assessment_start(staff=person, year=year, by=user)
                made += 1
            messages.success(
                request, _("%(n)d draft assessments started for %(year)d.") % {"n": made, "year": year}
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        return redirect(f"{request.path}?year={year}")
    staff = (
        Staff.objects.filter(bureau_id=user.bureau_id, is_active=True)
        .exclude(role=Role.ADMIN)
        .select_related("department")
        .order_by("department__order", "name")
    )
    assessments = {a.staff_id: a for a in visible(Assessment.objects.all(), user).filter(year=year)}
    page, query = paginate(request, staff, 60)
    for person in page:
        person.assessment = assessments.get(person.pk)
    return render(
        request,
        "accountability/assessments.html",
        {
            "year": year,
            "page": page,
            "query": query,
            "departments": Department.objects.filter(bureau_id=user.bureau_id).order_by("order"),
            "years": list(range(_today().year, _today().year - 5, -1)),
            "counts": {
                s: sum(1 for a in assessments.values() if a.state == s) for s in AssessmentState.values
            },
        },
    )


def _assessment(request, assessment_id) -> Assessment:
    assessment = (
        visible(Assessment.objects.all(), request.user)
        .select_related("staff", "staff__department", "finalised_by")
        .filter(pk=assessment_id)
        .first()
    )
    if assessment is None:
        raise Http404
    return assessment


@login_required
def assessment_detail(request, assessment_id):
    assessment = _assessment(request, assessment_id)
    comments = list(assessment.comments.select_related("dimension"))
    form = AssessmentForm(
        request.POST or None,
        comments=comments,
        initial={"grade": assessment.grade, "version": assessment.version},
    )
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "refresh":
                services.assessment_refresh(assessment=assessment, by=request.user)
                messages.success(request, _("Evidence drawn again from the records."))
                return redirect("assessment_detail", assessment_id=assessment.pk)
            if form.is_valid():
                assessment = services.assessment_save(
                    assessment=assessment,
                    by=request.user,
                    comments=form.comments(),
                    grade=form.cleaned_data["grade"],
                    expected_version=form.cleaned_data["version"],
                )
                # The draft is saved: a refused finalise leaves the form on the saved version.
                form.data = form.data.copy()
                form.data["version"] = assessment.version
                if action == "finalise":
                    try:
                        services.assessment_finalise(
                            assessment=assessment, by=request.user, expected_version=assessment.version
                        )
                    except services.EvidenceChanged as exc:
                        services.assessment_refresh(assessment=assessment, by=request.user)
                        messages.warning(request, exc.messages[0])
                        return redirect("assessment_detail", assessment_id=assessment.pk)
                    messages.success(request, _("Assessment finalised and locked."))
                else:
                    messages.success(request, _("Saved."))
                return redirect("assessment_detail", assessment_id=assessment.pk)
        except ValidationError as exc:
            if is_stale(exc):
                assessment.refresh_from_db(fields=["version"])
                keep_entry_after_conflict(form, assessment.version)
            add_service_errors(form, exc)
    return render(
        request,
        "accountability/assessment.html",
        {
            "assessment": assessment,
            "form": form,
            "comments": comments,
            "evidence": assessment.evidence,
            "zeros": [
                (ZERO_NAMES.get(k, k), v) for k, v in (assessment.evidence.get("six_zeros") or {}).items()
            ],
            "problems": services.finalise_problems(assessment)
            if assessment.state == AssessmentState.DRAFT
            else [],
            "editable": assessment.state == AssessmentState.DRAFT and has_cap(request.user, Cap.ASSESS),
            "may_finalise": has_cap(request.user, Cap.FINALISE_ASSESSMENTS),
            "barred": services.substantiated_in_year(assessment.staff_id, assessment.year),
        },
    )


@login_required
def assessment_export(request):
    """Word: one assessment (?id=) or all of a department's (?department=&year=) in one file."""
    user = request.user
    wanted = query_id(request.GET, "id")
    if wanted:
        items = [_assessment(request, wanted)]
        name = f"{items[0].year}年度考核登记表-{items[0].staff.name}.docx"
    else:
        require_cap(user, Cap.ASSESS)
        year = _year(request)
        rows = visible(Assessment.objects.all(), user).filter(year=year).exclude(staff=user)
        department = query_id(request.GET, "department")
        label = user.bureau.short_name
        if department:
            rows = rows.filter(staff__department_id=department)
            label = Department.objects.filter(pk=department).values_list("name", flat=True).first() or label
        items = list(
            rows.select_related("staff", "staff__department", "finalised_by").order_by(
                "staff__department__order", "staff__name"
            )
        )
        if not items:
            messages.error(request, _("No assessments to export for that choice."))
            return redirect("assessment_list")
        name = f"{year}年度考核登记表-{label}.docx"
    return assessments_docx(items, name, bureau=user.bureau, today=datetime.date.today())
