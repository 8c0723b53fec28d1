"""Cases over the API: the list with the case list page's filters, the detail with its timeline,
registering, and every lifecycle action through the pages' own forms and services (the same rules,
errors and stale-version check)."""

import datetime
from typing import Literal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from sanwen.api.auth import writer
from sanwen.api.cursor import NO_NUL, PageParams, page
from sanwen.api.errors import Error, refuse_nul
from sanwen.campaigns.models import Campaign
from sanwen.cases import services
from sanwen.cases import views as case_pages
from sanwen.cases.forms import DecideForm, FollowUpForm, RegisterForm
from sanwen.cases.models import OPEN_STATES, AlertKind, AskKind, Case, Source, State
from sanwen.clients.models import Household
from sanwen.core.access import (
    SERVICE_ROLE,
    Cap,
    by_raiser,
    get_visible_or_404,
    require_cap,
    sees_confidential_raiser,
    sees_tracking_code,
    visible,
)
from sanwen.core.codes import display as display_code
from sanwen.core.text import mask_name, mask_phone

router = Router(tags=["cases"])
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error, 429: Error}
READ_ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


def require_person(user) -> None:
    """Writes are a person's: here an API key reads, it does not sign (the visit and meeting
    creates; the case endpoints use `writer`, which signs with the person a key acts for)."""
    if getattr(user, "role", None) == SERVICE_ROLE:
        raise PermissionDenied(_("An API key may only read; record this with a person's login."))


def _actor(user):
    """The person a caller writes as, or None for a key that only reads."""
    try:
        return writer(user)
    except PermissionDenied:
        return None


class CaseOut(Schema):
    id: int
    number: str
    title: str
    state: str
    state_label: str
    ask_kind: str
    source: str
    mode: str | None
    township: str | None
    raised_on: datetime.date
    deadline: datetime.date | None
    deadline_pending: str
    owner: str | None
    department: str | None
    confidential: bool
    public: bool
    overdue: bool
    version: int = Field(description="Send it back with an action: a stale version is refused (409).")
    household_id: int | None = Field(
        None, description="Empty for a confidential case one may not see the raiser of."
    )
    household_name: str | None = None


class EventOut(Schema):
    at: datetime.datetime
    kind: str
    kind_label: str
    by: str | None
    text: str
    public: bool


class ExtensionOut(Schema):
    id: int
    requested_by: str
    requested_on: datetime.date
    until: datetime.date
    reason: str
    state: str = Field(description="pending, approved or refused.")
    decided_by: str | None
    decided_on: datetime.date | None
    decision_note: str


class FollowUpOut(Schema):
    id: int
    due_on: datetime.date
    done_on: datetime.date | None
    by: str | None
    note: str


class CaseDetail(CaseOut):
    description: str
    village: str | None
    contact_name: str
    contact_phone: str = Field(description="Always masked; the audited page reveals it.")
    resolution: str
    satisfaction: str
    tracking_code: str | None = Field(
        None, description="Only to whoever registered it and to those who see confidential raisers."
    )
    actions: list[str] = Field(
        description="The actions this caller is offered now (for a key, as the person it acts for; "
        "none for a key that only reads)."
    )
    timeline: list[EventOut]
    extensions: list[ExtensionOut]
    follow_ups: list[FollowUpOut]


class CasePage(Schema):
    items: list[CaseOut]
    next: str | None = Field(description="Cursor of the next page; null on the last one.")


def _out(case: Case, user, today) -> dict:
    raiser = sees_confidential_raiser(case, user)
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "state": case.state,
        "state_label": case.get_state_display(),
        "ask_kind": case.ask_kind,
        "source": case.source,
        "mode": case.mode.code if case.mode_id else None,
        "township": case.township.name if case.township_id else None,
        "raised_on": case.raised_on,
        "deadline": case.deadline,
        "deadline_pending": case.deadline_pending,
        "owner": case.owner.name if case.owner_id else None,
        "department": case.department.name if case.department_id else None,
        "confidential": case.confidential,
        "public": case.public,
        "overdue": case.state in OPEN_STATES and case.deadline is not None and case.deadline < today,
        "version": case.version,
        "household_id": case.household_id if raiser else None,
        "household_name": case.household.name if raiser and case.household_id else None,
    }


def _cases(user):
    require_cap(user, Cap.VIEW_CASES)
    return visible(Case.objects.select_related("mode", "owner", "household", "township", "department"), user)


class CaseFilters(Schema):
    state: State | None = None
    mode: str | None = Field(
        None, pattern=NO_NUL, max_length=32, description="A handling mode's code, e.g. immediate."
    )
    ask_kind: AskKind | None = None
    source: Source | None = None
    township: int | None = None
    overdue: bool = False
    q: str | None = Field(
        None,
        pattern=NO_NUL,
        max_length=100,
        description="Words of the title or text, or a household's name or initials.",
    )


@router.get("/cases", response={200: CasePage, **READ_ERRORS}, summary="List cases")
def list_cases(request, filters: CaseFilters = Query(...), paging: PageParams = Query(...)):  # noqa: B008
    today = timezone.localdate()
    cases = _cases(request.auth)
    for name, apply in case_pages.FILTERS.items():
        value = getattr(filters, name)
        if value is not None and value != "":
            cases = apply(cases, str(value), request.auth)
    if filters.overdue:
        cases = cases.overdue(on=today)
    q = (filters.q or "").strip()
    if q:
        cases = cases.filter(Q(title__icontains=q) | Q(description__icontains=q) | by_raiser(request.auth, q))
    result = page(cases, paging)
    result["items"] = [_out(c, request.auth, today) for c in result["items"]]
    return result


def _detail(case: Case, user) -> dict:
    today = timezone.localdate()
    out = _out(case, user, today)
    raiser = sees_confidential_raiser(case, user)
    events = case_pages.timeline(case)
    # The clock's reminders and supervision on the timeline are days, not events: named by kind.
    alerts = {str(kind.label): f"alert_{kind.value}" for kind in AlertKind}
    actor = _actor(user)
    out.update(
        description=case.description,
        village=case.village.name if case.village_id else None,
        contact_name=mask_name(case.contact_name) if raiser else "",
        contact_phone=mask_phone(case.contact_phone) if raiser else "",
        resolution=case.resolution,
        satisfaction=case.satisfaction,
        tracking_code=display_code(case.tracking_code) if sees_tracking_code(case, user) else None,
        actions=sorted(case_pages.available_actions(case, actor)) if actor is not None else [],
        extensions=[
            {
                "id": x.pk,
                "requested_by": x.requested_by.name,
                "requested_on": x.requested_on,
                "until": x.until,
                "reason": x.reason,
                "state": x.state,
                "decided_by": x.decided_by.name if x.decided_by_id else None,
                "decided_on": x.decided_on,
                "decision_note": x.decision_note,
            }
            for x in case.extensions.select_related("requested_by", "decided_by").order_by("pk")
        ],
        follow_ups=[
            {
                "id": f.pk,
                "due_on": f.due_on,
                "done_on": f.done_on,
                "by": f.by.name if f.by_id else None,
                "note": f.note,
            }
            for f in case.follow_ups.select_related("by").order_by("due_on", "pk")
        ],
        timeline=[
            {
                "at": e.at,
                "kind": getattr(e, "kind", None) or alerts.get(str(e.kind_label), ""),
                "kind_label": str(e.kind_label),
                "by": e.by.name if e.by else None,
                "text": e.text,
                "public": e.public,
            }
            for e in events
        ],
    )
    return out


def _case(user, case_id: int) -> Case:
    return get_visible_or_404(_cases(user).select_related("village"), user, pk=case_id)


@router.get("/cases/{case_id}", response={200: CaseDetail, **READ_ERRORS}, summary="A case and its timeline")
def get_case(request, case_id: int):
    return _detail(_case(request.auth, case_id), request.auth)


class RegisterIn(Schema):
    description: str = Field(max_length=5000)
    title: str = Field("", max_length=100)
    ask_kind: AskKind
    concern_kind: str = ""
    source: Source = Source.PHONE
    category: int | None = None
    mode: str = Field(description="A handling mode's code in the running campaign, e.g. immediate.")
    household: int | None = None
    contact_name: str = Field("", max_length=32)
    contact_phone: str = Field("", max_length=20)
    raised_on: datetime.date
    confidential: bool = False
    resolve_on_the_spot: str = ""


def _form_data(payload: Schema) -> dict:
    data = {}
    for name, value in payload.dict().items():
        if value is None or value is False:
            continue
        data[name] = value.isoformat() if isinstance(value, datetime.date) else str(value)
    return data


def _invalid(form):
    raise ValidationError({name: list(errors) for name, errors in form.errors.items()})


@router.post("/cases", response={201: CaseDetail, **ERRORS}, summary="Register a case")
def register_case(request, payload: RegisterIn):
    refuse_nul(payload)
    require_cap(request.auth, Cap.VIEW_CASES)  # the answer is the case as the caller reads it
    user = writer(request.auth)
    require_cap(user, Cap.HANDLE_CASES)
    campaign = Campaign.objects.current(user.bureau, timezone.localdate()) if user.bureau_id else None
    if campaign is None:
        raise PermissionDenied(_("No campaign of the bureau is running."))
    data = _form_data(payload)
    mode = campaign.handlingmode_set.filter(code=payload.mode, active=True).first()
    data["mode"] = str(mode.pk) if mode else ""
    form = RegisterForm(data, campaign=campaign)
    if not form.is_valid():
        _invalid(form)
    cleaned = form.cleaned_data
    household_id = cleaned.pop("household")
    household = get_visible_or_404(Household.objects.all(), user, pk=household_id) if household_id else None
    case = services.case_register(bureau=user.bureau, by=user, household=household, **cleaned)
    return Status(201, _detail(_case(request.auth, case.pk), request.auth))


class ActionIn(Schema):
    """The fields of the action's form on the case page; `version` is the case's version as read."""

    version: int
    mode: str | None = Field(None, description="accept: a handling mode's code.")
    deadline: datetime.date | None = Field(None, description="accept: the explicit deadline (限期办).")
    reason: str | None = Field(None, description="decline, reopen: the reason.")
    owner: int | None = Field(None, description="assign: the new owner's id.")
    resolution: str | None = Field(None, description="resolve: the result.")
    evaluation: str | None = Field(None, description="resolve: a suggestion's evaluation.")
    evaluation_reason: str | None = None
    satisfaction: str | None = Field(None, description="return_visit: the client's rating.")
    channel: str | None = Field(None, description="return_visit: how the client was reached.")
    comment: str | None = None
    into: str | None = Field(
        None, description="merge: the number of the case to merge into, e.g. 2026-00012."
    )
    text: str | None = Field(None, description="note: the progress note.")
    public: bool | None = Field(None, description="note: publish it on the public board.")
    kind: str | None = Field(
        None, description="contact: how the client was contacted; partner: the organisation's kind."
    )
    on: datetime.date | None = Field(None, description="contact: the day.")
    note: str | None = Field(None, description="contact: what was said.")
    until: datetime.date | None = Field(None, description="extension: the new time limit asked for.")
    name: str | None = Field(None, description="partner: the organisation's name.")
    contribution: str | None = Field(None, description="partner: what they did.")


Action = Literal[
    "accept",
    "decline",
    "assign",
    "start",
    "resolve",
    "return_visit",
    "reopen",
    "archive",
    "merge",
    "note",
    "contact",
    "partner",
    "extension",
]


@router.post(
    "/cases/{case_id}/{action}",
    response={200: CaseDetail, **ERRORS},
    summary="A step on the case: accept, decline, assign, start, resolve, return_visit, reopen, archive, "
    "merge, note, contact, partner, extension (the fields of the page's form for it)",
)
def case_action(request, case_id: int, action: Action, payload: ActionIn):
    refuse_nul(payload)
    case = _case(request.auth, case_id)
    user = writer(request.auth)
    make_form, call = case_pages.ACTIONS[action]
    data = _form_data(payload)
    if action == "accept":
        mode = (
            case.campaign.handlingmode_set.filter(code=payload.mode, active=True).first()
            if payload.mode
            else case.mode
        )
        data["mode"] = str(mode.pk) if mode else ""
    form = make_form(case, data)
    if not form.is_valid():
        _invalid(form)
    request.user = user
    call(request, case, form.cleaned_data)
    return _detail(_case(request.auth, case_id), request.auth)


class DecideIn(Schema):
    approve: bool
    note: str = Field("", max_length=5000)


@router.post(
    "/cases/{case_id}/extensions/{extension_id}/decide",
    response={200: CaseDetail, **ERRORS},
    summary="Decide an extension asked for (a leader): approve moves the time limit",
)
def decide_extension(request, case_id: int, extension_id: int, payload: DecideIn):
    refuse_nul(payload)
    case = _case(request.auth, case_id)
    user = writer(request.auth)
    require_cap(user, Cap.APPROVE_EXTENSIONS)
    extension = get_visible_or_404(case.extensions.all(), user, pk=extension_id)
    form = DecideForm({"approve": "yes" if payload.approve else "no", "note": payload.note})
    if not form.is_valid():
        _invalid(form)
    services.extension_decide(
        extension=extension, by=user, approve=form.cleaned_data["approve"], note=form.cleaned_data["note"]
    )
    return _detail(_case(request.auth, case_id), request.auth)


class FollowUpIn(Schema):
    note: str = Field(max_length=5000, description="What the follow-up found.")


@router.post(
    "/cases/{case_id}/follow-ups/{follow_up_id}/record",
    response={200: CaseDetail, **ERRORS},
    summary="Record a follow-up (跟踪办) of the case",
)
def record_follow_up(request, case_id: int, follow_up_id: int, payload: FollowUpIn):
    refuse_nul(payload)
    case = _case(request.auth, case_id)
    user = writer(request.auth)
    require_cap(user, Cap.HANDLE_CASES)
    follow_up = get_visible_or_404(case.follow_ups.all(), user, pk=follow_up_id)
    form = FollowUpForm({"note": payload.note})
    if not form.is_valid():
        _invalid(form)
    services.follow_up_record(follow_up=follow_up, by=user, note=form.cleaned_data["note"])
    return _detail(_case(request.auth, case_id), request.auth)
