import datetime
import functools
import re
import unicodedata
from types import SimpleNamespace

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.db.models import Count, Q
from django.forms.utils import flatatt
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanwen.campaigns.models import Campaign, DeedKind, HandlingMode
from sanwen.cases import services
from sanwen.cases.forms import (
    AcceptForm,
    AssignForm,
    BatchAddForm,
    BatchForm,
    BatchResolveForm,
    ContactForm,
    DecideForm,
    DeclineForm,
    DeedForm,
    ExtensionForm,
    FollowUpForm,
    MergeForm,
    NoteForm,
    PartnerForm,
    ReasonForm,
    RegisterPageForm,
    ResolveForm,
    ReturnVisitForm,
)
from sanwen.cases.models import (
    CLOSED_STATES,
    OPEN_STATES,
    AlertKind,
    AskKind,
    Batch,
    Case,
    Deed,
    Evaluation,
    Extension,
    ExtensionState,
    FollowUp,
    State,
)
from sanwen.clients.models import Household
from sanwen.core.access import (
    BureauNeeded,
    Cap,
    by_raiser,
    get_visible_or_404,
    has_cap,
    require_cap,
    sees_confidential_raiser,
    sees_tracking_code,
    visible,
    working_bureau,
)
from sanwen.core.codes import display as display_code
from sanwen.core.codes import is_valid
from sanwen.core.codes import parse as parse_code
from sanwen.core.links import record_link
from sanwen.core.pagination import paginate
from sanwen.core.params import parse_id, query_id
from sanwen.core.text import mask_name, mask_phone
from sanwen.core.views import photo_response
from sanwen.notify.services import consent_clean, sms_consent_give
from sanwen.org.models import Department

DUE_SOON_DAYS = 2


# What a list of cases shows of each (cases/case_list.html and its badges): the case's own columns
# below, its handling mode, and the names of its owner and household. A row built with every column of
# the case and of five records it refers to (130 columns) cost a staff member's list more to read and
# to build than to render.
LIST_COLUMNS = (
    "id",
    "bureau_id",
    "year",
    "sequence",
    "title",
    "ask_kind",
    "concern_kind",
    "raised_on",
    "household__name",
    "contact_name",
    "confidential",
    "public",
    "mode",
    "state",
    "owner__name",
    "deadline",
    "deadline_pending",
    "escalate_on",
    "escalate_leader_on",
    "reopened",
)


def _cases(request):
    require_cap(request.user, Cap.VIEW_CASES)
    return visible(
        Case.objects.select_related("mode", "owner", "household").only(*LIST_COLUMNS), request.user
    )


def _case(request, case_id) -> Case:
    """One case with the records every page of it shows (its mode, owner and household) joined; the
    others (department, places, category, batch, raiser, merged case, card) each read by primary key
    when shown, none when empty. A join of all twelve tables took twice as long, most of it planning
    and 260 columns, as the few lookups a case has (PostgreSQL: 4.1 against 1.9 ms)."""
    require_cap(request.user, Cap.VIEW_CASES)
    return get_visible_or_404(
        Case.objects.select_related("mode", "owner", "household"), request.user, pk=case_id
    )


def _case_by_number(request, number: str) -> Case:
    try:
        year, sequence = (int(part) for part in number.strip().split("-"))
    except ValueError as exc:
        raise ValidationError(_("A case number looks like 2026-00012.")) from exc
    case = visible(Case.objects.all(), request.user).filter(year=year, sequence=sequence).first()
    if case is None:
        raise ValidationError(_("No case %(number)s in your bureau.") % {"number": number})
    return case


def _decorate(cases, user, today):
    """Flags the templates show: overdue, due soon, and whether the raiser may be shown; and the
    link to the case's page."""
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    for case in cases:
        case.url = record_link("case_detail", case.pk)
        case.overdue = case.state in OPEN_STATES and case.deadline is not None and case.deadline < today
        case.due_soon = (
            case.state in OPEN_STATES and case.deadline is not None and today <= case.deadline <= soon
        )
        case.raiser_visible = sees_confidential_raiser(case, user)
        case.supervision_level = case.supervision(today)
    return cases


def _by_mode(qs, code: str, user):
    """Cases handled under a mode, named by its code (each campaign has its own): the ids of the
    modes of that code the user may see, so that the list reads an (bureau, mode, raised_on) index
    in its order rather than joining every case of the bureau to its mode."""
    modes = visible(HandlingMode.objects.filter(code=code), user).values_list("pk", flat=True)
    return qs.filter(mode__in=list(modes))


# name → (queryset, value, user) → queryset: the case list's filters (the API's as well).
FILTERS = {
    "state": lambda qs, v, user: qs.filter(state=v) if v in State.values else qs,
    "mode": _by_mode,
    "ask_kind": lambda qs, v, user: qs.filter(ask_kind=v) if v in AskKind.values else qs,
    "source": lambda qs, v, user: qs.filter(source=v),
    "township": lambda qs, v, user: qs.filter(township_id=parse_id(v)) if parse_id(v) else qs,
}


def _filtered(request, cases, today):
    for name, apply in FILTERS.items():
        value = request.GET.get(name, "")
        if value:
            cases = apply(cases, value, request.user)
    if request.GET.get("overdue") == "1":
        cases = cases.overdue(on=today)
    q = request.GET.get("q", "").strip()
    if q:
        cases = cases.filter(
            Q(title__icontains=q) | Q(description__icontains=q) | by_raiser(request.user, q) | _exact(q)
        )
    return cases


CASE_NUMBER = re.compile(r"^\s*(\d{4})\s*[-－—/]\s*(\d{1,6})\s*$")


def _exact(q: str) -> Q:
    """A case number (2026-00418, 2026-418, full-width digits) or a tracking code (K7M3P-2XQ9A, typed
    any way the portal accepts) names one case."""
    exact = Q(pk__in=[])
    number = CASE_NUMBER.match(unicodedata.normalize("NFKC", q))
    if number:
        exact |= Q(year=int(number.group(1)), sequence=int(number.group(2)))
    if is_valid(q):
        exact |= Q(tracking_code=parse_code(q))
    return exact


def _list(request, cases, title, template="cases/case_list.html", extra=None):
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()
    if q and request.GET.get("page") is None:
        found = list(cases.filter(_exact(q)).values_list("pk", flat=True)[:2])
        if len(found) == 1:  # an exact number or code opens the case
            return redirect("case_detail", case_id=found[0])
    cases = _filtered(request, cases, today)
    page, query = paginate(request, cases)
    _decorate(page, request.user, today)
    campaign = Campaign.objects.current(request.user.bureau, today) if request.user.bureau_id else None
    return render(
        request,
        template,
        {
            "page": page,
            "query": query,
            "title": title,
            "params": request.GET,
            "states": State.choices,
            "ask_kinds": AskKind.choices,
            # In their order within the campaign (the default ordering joins the campaign and bureau).
            "modes": campaign.handlingmode_set.order_by("order", "id") if campaign else [],
            **(extra or {}),
        },
    )


@login_required
def case_list(request):
    return _list(request, _cases(request), _("All cases"))


@login_required
def my_cases(request):
    """My open cases, the most urgent first."""
    cases = (
        _cases(request).filter(owner=request.user, state__in=OPEN_STATES).order_by("deadline", "raised_on")
    )
    return _list(request, cases, _("My cases"))


@login_required
def queue(request):
    """Cases waiting for acceptance, and the open cases of my department."""
    cases = (
        _cases(request)
        .filter(Q(state=State.REGISTERED) | Q(department=request.user.department_id, state__in=OPEN_STATES))
        .order_by("deadline", "raised_on")
    )
    return _list(request, cases, _("Department queue"))


@login_required
def suggestions(request):
    require_cap(request.user, Cap.VIEW_CASES)
    cases = _cases(request).suggestions()
    totals = cases.aggregate(
        total=Count("id"),
        **{value: Count("id", filter=Q(evaluation=value)) for value in Evaluation.values},
        pending=Count("id", filter=Q(evaluation="")),
    )
    return _list(
        request, cases, _("Suggestions (问计)"), extra={"totals": totals, "evaluations": Evaluation.choices}
    )


# --- detail and actions -------------------------------------------------------------------


def available_actions(case: Case, user) -> set[str]:
    """Which forms the page offers; the services decide (and refuse) for real."""
    dispatch = has_cap(user, Cap.DISPATCH_CASES)
    handler = dispatch or (case.owner_id == user.pk and has_cap(user, Cap.HANDLE_CASES))
    actions = set()
    if case.state == State.REGISTERED and (dispatch or case.raised_by_id == user.pk):
        actions |= {"accept", "decline"} if dispatch else {"accept"}
    if case.state in (State.ACCEPTED, State.ASSIGNED, State.IN_PROGRESS) and dispatch:
        actions.add("assign")
    if case.state == State.ASSIGNED and handler:
        actions.add("start")
    if case.state not in (State.DECLINED, State.ARCHIVED, State.MERGED) and handler:
        actions |= {"note", "contact", "partner"}
    if case.state in OPEN_STATES and handler and case.deadline:
        actions.add("extension")
    if case.state in (State.ASSIGNED, State.IN_PROGRESS) and handler:
        actions.add("resolve")
    if case.state == State.RESOLVED and has_cap(user, Cap.HANDLE_CASES):
        actions.add("return_visit")
    if case.state in (State.RESOLVED, State.VISITED) and dispatch:
        actions.add("reopen")
    if case.state == State.VISITED and handler:
        actions.add("archive")
    if case.state in OPEN_STATES and dispatch:
        actions.add("merge")
    return actions


class QuickSelect(django_forms.Select):
    """Django's <select>, rendered in one pass instead of a template per option: the assign form offers
    every active staff member of the bureau (a thousand in a county), which took most of the page.
    `choices` are plain (value, label) pairs."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(v)}"{" selected" if str(v) in chosen else ""}>{escape(label)}</option>'
            for v, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),
        )


def _quick_owner_choices(form: AssignForm) -> AssignForm:
    """The form's people as (id, "department · name") read as values, not as model instances; the
    departments' names (translated) looked up once each."""
    field = form.fields["owner"]
    rows = list(field.queryset.values_list("pk", "department_id", "name"))
    departments = {
        d.pk: str(d) for d in Department.objects.filter(pk__in={dep for _pk, dep, _n in rows if dep})
    }
    field.widget = QuickSelect(
        attrs=field.widget.attrs,
        choices=[("", field.empty_label or "")]
        + [(pk, f"{departments.get(dep, '')} · {n}") for pk, dep, n in rows],
    )
    return form


def _forms(case: Case, today, bound: dict | None, actions: set[str]):
    """The action forms the page shows: those of the `actions` offered (a form is made only for an
    action offered: each reads its choices), the bound ones as they came back."""
    initial = {"version": case.version}
    makers = {
        "accept": lambda: AcceptForm(case=case, initial=initial | {"mode": case.mode_id}),
        "decline": lambda: DeclineForm(initial=initial),
        "assign": lambda: _quick_owner_choices(
            AssignForm(case=case, initial=initial | {"owner": case.owner_id})
        ),
        "note": NoteForm,
        "contact": lambda: ContactForm(initial={"on": today}),
        "partner": PartnerForm,
        "extension": ExtensionForm,
        "resolve": lambda: ResolveForm(case=case, initial=initial),
        "return_visit": lambda: ReturnVisitForm(initial=initial),
        "reopen": lambda: ReasonForm(initial=initial),
        "merge": lambda: MergeForm(initial=initial),
    }
    forms = {name: make() for name, make in makers.items() if name in actions}
    if bound and "assign" in bound:
        _quick_owner_choices(bound["assign"])
    forms.update(bound or {})
    return forms


# The records of a case its page lists, by the attribute that reads them.
RECORDS_OF_A_CASE = (
    "contacts",
    "casepartner_set",
    "extensions",
    "follow_ups",
    "return_visits",
    "merged",
    "deeds",
    "photos",
)


@functools.lru_cache(maxsize=4)
def _presence_sql(vendor: str) -> str:
    """One statement saying which kinds of RECORDS_OF_A_CASE a case has: an EXISTS per kind on the
    column that names the case (the related table's, or the through table's of a many-to-many),
    written once from the models' relations rather than compiled by the ORM on every page."""
    quote = connection.ops.quote_name
    checks = []
    for name in RECORDS_OF_A_CASE:
        descriptor = getattr(Case, name)
        relation = descriptor.rel
        if relation.many_to_many:
            table, column = relation.through._meta.db_table, relation.field.m2m_reverse_name()
        else:
            table, column = relation.related_model._meta.db_table, relation.field.column
        checks.append(f"EXISTS(SELECT 1 FROM {quote(table)} WHERE {quote(column)} = %s)")  # noqa: S608
    return "SELECT " + ", ".join(checks)


def _records_of(case: Case) -> dict:
    """The case's contacts, partners, extensions, follow-ups, return visits, merged duplicates, deeds
    and photos, for the page: which of them the case has is asked in one statement, and only those
    are read (most cases have few of these kinds; eight queries for empty lists were a fifth of the
    page, and building the eight EXISTS through the ORM a tenth)."""
    records = {
        "contacts": case.contacts.select_related("by"),
        "partners": case.casepartner_set.select_related("partner"),
        "extensions": case.extensions.select_related("requested_by", "decided_by"),
        "follow_ups": case.follow_ups.select_related("by"),
        "return_visits": case.return_visits.select_related("by"),
        "merged": case.merged.all(),
        "deeds": case.deeds.select_related("kind"),
        "photos": case.photos.all(),
    }
    with connection.cursor() as cursor:
        cursor.execute(_presence_sql(connection.vendor), [case.pk] * len(RECORDS_OF_A_CASE))
        present = cursor.fetchone()
    return {name: q if there else [] for (name, q), there in zip(records.items(), present, strict=True)}


@login_required
def case_detail(request, case_id, bound=None, status=200):
    case = _case(request, case_id)
    today = timezone.localdate()
    _decorate([case], request.user, today)
    user = request.user
    # A form that just failed stays on the page even if its action is no longer offered (someone
    # else moved the case on), so the user's entry is never lost.
    actions = available_actions(case, user) | set(bound or {})
    context = _records_of(case) | {
        "case": case,
        "timeline": timeline_page(case, request.GET.get("steps")),
        "actions": actions,
        "forms": _forms(case, today, bound, actions),
        "closing_problems": services.closing_problems(case)
        if case.state in (State.ASSIGNED, State.IN_PROGRESS)
        else [],
        "show_tracking_code": sees_tracking_code(case, user),
        "tracking_code": display_code(case.tracking_code),
        "phone_masked": mask_phone(case.contact_phone),
        "contact_name_masked": mask_name(case.contact_name),
        "can_decide": has_cap(user, Cap.APPROVE_EXTENSIONS),
        "decide_form": DecideForm(),
        "follow_up_form": FollowUpForm(),
    }
    return render(request, "cases/case_detail.html", context, status=status)


def timeline(case: Case) -> list:
    """The case's steps, and the days the clock reminded and supervised it (from its dates), in order."""
    entries = []
    for event in case.events.select_related("by"):
        event.kind_label = event.get_kind_display()
        entries.append(event)
    return sorted(entries + _clock_days(case), key=lambda e: e.at)


# The detail page shows a long timeline this many entries at a time, the latest first reached.
TIMELINE_PAGE = 30


def timeline_page(case: Case, requested) -> dict:
    """One screen of the timeline, in order: the latest TIMELINE_PAGE entries, or earlier ones
    (`requested`: 1 the latest, 2 the screen before, …). Two queries whatever the case holds: the
    order of all steps (ids and times, from the timeline index), then the screen's steps."""
    steps = list(case.events.order_by("at", "id").values_list("at", "id"))
    days = _clock_days(case)
    # The order `timeline` gives: by time, a step before a clock day at the same moment.
    order = sorted(
        [(at, 0, n, pk) for n, (at, pk) in enumerate(steps)] + [(d.at, 1, n, d) for n, d in enumerate(days)],
        key=lambda entry: entry[:3],
    )
    total = len(order)
    pages = max(1, -(-total // TIMELINE_PAGE))
    number = min(max(parse_id(requested) or 1, 1), pages)
    end = total - (number - 1) * TIMELINE_PAGE
    start = max(0, end - TIMELINE_PAGE)
    shown = order[start:end]
    events = case.events.select_related("by").in_bulk([e[3] for e in shown if e[1] == 0])
    entries = []
    for position, (_at, is_day, _n, item) in enumerate(shown, start=start + 1):
        entry = item if is_day else events[item]
        if not is_day:
            entry.kind_label = entry.get_kind_display()
        entry.position = position
        entries.append(entry)
    return {
        "entries": entries,
        "total": total,
        "first": start + 1,
        "last": end,
        "earlier": number + 1 if number < pages else None,
        "later": number - 1 if number > 1 else None,
    }


def _clock_days(case: Case) -> list:
    """The days the clock reminded and supervised the case (from its dates), as timeline entries."""
    entries = []
    today = timezone.localdate()
    until = min(today, case.resolved_on) if case.resolved_on else today
    for kind, day in (
        (AlertKind.REMIND, case.remind_on),
        (AlertKind.ESCALATE, case.escalate_on),
        (AlertKind.LEADER, case.escalate_leader_on),
    ):
        if day and day <= until and (kind != AlertKind.REMIND or case.owner_id):
            # A day, not a moment: shown by its date, after that day's steps.
            at = timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59, 59)))
            entries.append(
                SimpleNamespace(at=at, kind_label=kind.label, public=False, by=None, text="", date_only=True)
            )
    return entries


def _merge_into(request, case, data):
    into = _case_by_number(request, data["into"])
    return services.case_merge(case=case, into=into, by=request.user, expected_version=data["version"])


def _add_partner(request, case, data):
    partner = services.partner_create(
        bureau=case.bureau, by=request.user, name=data["name"], kind=data["kind"]
    )
    return services.case_add_partner(
        case=case, by=request.user, partner=partner, contribution=data["contribution"]
    )


# action → (form factory, service call). Each view below validates one form and calls one service.
ACTIONS = {
    "accept": (
        lambda case, data: AcceptForm(data, case=case),
        lambda request, case, d: services.case_accept(
            case=case, by=request.user, mode=d["mode"], deadline=d["deadline"], expected_version=d["version"]
        ),
    ),
    "decline": (
        lambda case, data: DeclineForm(data),
        lambda request, case, d: services.case_decline(
            case=case, by=request.user, reason=d["reason"], expected_version=d["version"]
        ),
    ),
    "assign": (
        lambda case, data: AssignForm(data, case=case),
        lambda request, case, d: services.case_assign(
            case=case, by=request.user, owner=d["owner"], expected_version=d["version"]
        ),
    ),
    "start": (
        lambda case, data: ReasonForm({"reason": "-", "version": data.get("version")}),
        lambda request, case, d: services.case_start(
            case=case, by=request.user, expected_version=d["version"]
        ),
    ),
    "note": (
        lambda case, data: NoteForm(data),
        lambda request, case, d: services.case_add_note(
            case=case, by=request.user, text=d["text"], public=d["public"]
        ),
    ),
    "contact": (
        lambda case, data: ContactForm(data),
        lambda request, case, d: services.case_record_contact(
            case=case, by=request.user, kind=d["kind"], on=d["on"], note=d["note"]
        ),
    ),
    "partner": (lambda case, data: PartnerForm(data), _add_partner),
    "extension": (
        lambda case, data: ExtensionForm(data),
        lambda request, case, d: services.extension_request(
            case=case, by=request.user, until=d["until"], reason=d["reason"]
        ),
    ),
    "resolve": (
        lambda case, data: ResolveForm(data, case=case),
        lambda request, case, d: services.case_resolve(
            case=case,
            by=request.user,
            resolution=d["resolution"],
            evaluation=d.get("evaluation", ""),
            evaluation_reason=d.get("evaluation_reason", ""),
            expected_version=d["version"],
        ),
    ),
    "return_visit": (
        lambda case, data: ReturnVisitForm(data),
        lambda request, case, d: services.case_return_visit(
            case=case,
            by=request.user,
            satisfaction=d["satisfaction"],
            comment=d["comment"],
            channel=d["channel"],
            expected_version=d["version"],
        ),
    ),
    "reopen": (
        lambda case, data: ReasonForm(data),
        lambda request, case, d: services.case_reopen(
            case=case, by=request.user, reason=d["reason"], expected_version=d["version"]
        ),
    ),
    "archive": (
        lambda case, data: ReasonForm({"reason": "-", "version": data.get("version")}),
        lambda request, case, d: services.case_archive(
            case=case, by=request.user, expected_version=d["version"]
        ),
    ),
    "merge": (lambda case, data: MergeForm(data), _merge_into),
}


@login_required
@require_POST
def case_action(request, case_id, action):
    if action not in ACTIONS:
        raise Http404
    case = _case(request, case_id)
    make_form, call = ACTIONS[action]
    form = make_form(case, request.POST)
    if form.is_valid():
        try:
            call(request, case, form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect(case)
        except services.CaseConflict as exc:
            form.add_error(None, str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("You may not do this."))
    messages.error(request, _("Nothing was saved: see the form below."))
    return case_detail(request, case_id, bound={action: form}, status=400)


@login_required
@require_POST
def extension_decide(request, extension_id):
    require_cap(request.user, Cap.APPROVE_EXTENSIONS)
    extension = _extension(request, extension_id)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.extension_decide(
                extension=extension,
                by=request.user,
                approve=form.cleaned_data["approve"],
                note=form.cleaned_data["note"],
            )
            messages.success(request, _("Saved."))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    return redirect(extension.case)


def _extension(request, extension_id) -> Extension:
    try:
        return Extension.objects.select_related("case").get(
            pk=extension_id, case__bureau_id=request.user.bureau_id, state=ExtensionState.PENDING
        )
    except Extension.DoesNotExist as exc:
        raise Http404 from exc


@login_required
@require_POST
def follow_up_record(request, followup_id):
    require_cap(request.user, Cap.HANDLE_CASES)
    try:
        follow_up = FollowUp.objects.select_related("case").get(
            pk=followup_id, case__bureau_id=request.user.bureau_id
        )
    except FollowUp.DoesNotExist as exc:
        raise Http404 from exc
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_record(follow_up=follow_up, by=request.user, note=form.cleaned_data["note"])
            messages.success(request, _("Saved."))
        except (ValidationError, PermissionDenied) as exc:
            messages.error(request, " ".join(getattr(exc, "messages", [str(exc)])))
    else:
        messages.error(request, _("Write down what the follow-up found."))
    return redirect(follow_up.case)


# --- registration -------------------------------------------------------------------------


def _campaign_or_404(request):
    """The running campaign of the bureau the page works in (the operator chooses one)."""
    bureau = working_bureau(request)
    campaign = Campaign.objects.current(bureau, timezone.localdate())
    if campaign is None and request.user.bureau_id is None:  # the operator chose one: another, please
        messages.warning(request, _("No campaign of %(bureau)s is running.") % {"bureau": bureau})
        raise BureauNeeded
    if campaign is None:
        raise Http404(_("No campaign of the bureau is running."))
    return campaign


@login_required
def case_register(request):
    require_cap(request.user, Cap.HANDLE_CASES)
    campaign = _campaign_or_404(request)
    today = timezone.localdate()
    form = RegisterPageForm(
        request.POST or None,
        campaign=campaign,
        initial={"raised_on": today, "mode": campaign.handlingmode_set.filter(code="immediate").first()},
    )
    household = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        household_id = data.pop("household")
        sms_consent = data.pop("sms_consent")
        try:
            household = (
                get_visible_or_404(Household.objects.all(), request.user, pk=household_id)
                if household_id
                else None
            )
            phone = data["contact_phone"] or (household.phone if household else "")
            consent_clean(agreed=sms_consent, phone=phone)
            with transaction.atomic():
                case = services.case_register(
                    bureau=campaign.bureau, by=request.user, household=household, **data
                )
                if sms_consent:
                    sms_consent_give(
                        case=case, phone=case.contact_phone or (household.phone if household else "")
                    )
            messages.success(request, _("Case %(number)s was registered.") % {"number": case.number})
            return redirect(case)
        except ValidationError as exc:
            form.add_error(None, exc)
    if request.method == "POST" and parse_id(request.POST.get("household")):
        household = (
            visible(Household.objects.select_related("township"), request.user)
            .filter(pk=parse_id(request.POST["household"]))
            .first()
        )
    elif household_id := query_id(request.GET, "household"):
        household = get_visible_or_404(Household.objects.all(), request.user, pk=household_id)
        form.initial["household"] = household.pk
    return render(request, "cases/case_register.html", {"form": form, "household": household})


@login_required
def household_search(request):
    """htmx: households matching a name, initials, phone tail or licence number (ten at most)."""
    require_cap(request.user, Cap.VIEW_CLIENTS)
    q = request.GET.get("q", "").strip()
    households = []
    if len(q) >= 2:
        households = list(
            visible(Household.objects.select_related("township", "village"), request.user).search(q)[:10]
        )
        for h in households:
            h.phone_masked = mask_phone(h.phone)
    return render(request, "cases/_household_results.html", {"households": households, "q": q})


# --- deeds and batches --------------------------------------------------------------------


@login_required
def deeds(request):
    require_cap(request.user, Cap.VIEW_CASES)
    campaign = _campaign_or_404(request)
    form = DeedForm(request.POST or None, campaign=campaign, initial={"on": timezone.localdate()})
    if request.method == "POST":
        require_cap(request.user, Cap.HANDLE_CASES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                numbers = [n for n in data.pop("cases").replace("，", ",").split(",") if n.strip()]
                linked = [_case_by_number(request, n) for n in numbers]
                services.deed_record(
                    bureau=campaign.bureau,
                    by=request.user,
                    cases=linked,
                    department=request.user.department,
                    **data,
                )
                messages.success(request, _("Saved."))
                return redirect("deed_list")
            except ValidationError as exc:
                form.add_error(None, exc)
    start = campaign.start
    end = timezone.localdate()
    totals = services.deed_totals(bureau_ids=[campaign.bureau_id], start=start, end=end)
    # The sums group by the kind's simplified name and unit; they are shown in the language chosen.
    kinds = {(k.name_zh_hans, k.unit_zh_hans): k for k in DeedKind.objects.filter(campaign=campaign)}
    totals = [
        dict(t, kind__name=kind.name, unit=kind.unit)
        if (kind := kinds.get((t["kind__name"], t["unit"])))
        else t
        for t in totals
    ]
    page, query = paginate(
        request,
        visible(Deed.objects.select_related("kind", "vehicle", "department"), request.user).filter(
            bureau=campaign.bureau_id
        ),
    )
    for deed in page:
        deed.unit_shown = deed.kind.unit if deed.unit == deed.kind.unit_zh_hans else deed.unit
    return render(
        request,
        "cases/deeds.html",
        {"form": form, "page": page, "query": query, "totals": totals, "start": start, "end": end},
    )


@login_required
def batches(request):
    require_cap(request.user, Cap.VIEW_CASES)
    form = BatchForm(request.POST or None)
    if request.method == "POST":
        require_cap(request.user, Cap.DISPATCH_CASES)
        if form.is_valid():
            try:
                batch = services.batch_create(
                    bureau=request.user.bureau, by=request.user, owner=request.user, **form.cleaned_data
                )
                return redirect("batch_detail", batch_id=batch.pk)
            except ValidationError as exc:
                form.add_error(None, exc)
    items = visible(
        Batch.objects.select_related("owner").annotate(
            total=Count("cases"),
            open=Count("cases", filter=Q(cases__state__in=OPEN_STATES)),
            done=Count("cases", filter=Q(cases__state__in=CLOSED_STATES)),
        ),
        request.user,
    )
    items = items.order_by("-created_at", "-id")  # GROUP BY drops Meta.ordering
    page, query = paginate(request, items)
    return render(request, "cases/batches.html", {"form": form, "page": page, "query": query})


@login_required
def batch_detail(request, batch_id):
    require_cap(request.user, Cap.VIEW_CASES)
    batch = get_visible_or_404(Batch.objects.select_related("owner"), request.user, pk=batch_id)
    add_form, resolve_form = BatchAddForm(), BatchResolveForm()
    if request.method == "POST":
        require_cap(request.user, Cap.DISPATCH_CASES)
        try:
            if "number" in request.POST:
                add_form = BatchAddForm(request.POST)
                if add_form.is_valid():
                    case = _case_by_number(request, add_form.cleaned_data["number"])
                    services.batch_add_case(batch=batch, case=case, by=request.user)
                    return redirect("batch_detail", batch_id=batch.pk)
            else:
                resolve_form = BatchResolveForm(request.POST)
                if resolve_form.is_valid():
                    services.batch_resolve(
                        batch=batch, by=request.user, outcome=resolve_form.cleaned_data["outcome"]
                    )
                    messages.success(request, _("Saved."))
                    return redirect("batch_detail", batch_id=batch.pk)
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    cases = _decorate(
        list(batch.cases.select_related("owner", "household", "mode")), request.user, timezone.localdate()
    )
    return render(
        request,
        "cases/batch_detail.html",
        {"batch": batch, "cases": cases, "add_form": add_form, "resolve_form": resolve_form},
    )


@login_required
def case_photo(request, case_id, photo_id):
    """A photo sent with the case, for the bureau's users who may see the case."""
    case = _case(request, case_id)
    photo = case.photos.filter(pk=photo_id).first()
    if photo is None:
        raise Http404
    return photo_response(photo.image)
