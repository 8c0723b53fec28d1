"""Batches (集中办) over the API: list, detail, create, add a case, resolve all together — through
the batch pages' forms and services (the same rules and errors)."""

import datetime

from django.db.models import Count, Q
from ninja import Field, Query, Router, Schema, Status

from sanwen.api.auth import writer
from sanwen.api.cursor import PageParams, page
from sanwen.api.errors import refuse_nul
from sanwen.api.v1_cases import ERRORS, READ_ERRORS, _invalid
from sanwen.cases import services
from sanwen.cases import views as case_pages
from sanwen.cases.forms import BatchAddForm, BatchForm, BatchResolveForm
from sanwen.cases.models import CLOSED_STATES, OPEN_STATES, Batch
from sanwen.core.access import Cap, get_visible_or_404, require_cap, visible

router = Router(tags=["batches"])


class BatchCase(Schema):
    id: int
    number: str
    state: str


class BatchOut(Schema):
    id: int
    title: str
    deadline: datetime.date
    owner: str
    outcome: str
    resolved_on: datetime.date | None
    total: int
    open: int
    done: int


class BatchDetail(BatchOut):
    cases: list[BatchCase]


class BatchPage(Schema):
    items: list[BatchOut]
    next: str | None = Field(description="Cursor of the next page; null on the last one.")


def _batches(user):
    require_cap(user, Cap.VIEW_CASES)
    return visible(
        Batch.objects.select_related("owner").annotate(
            total=Count("cases"),
            open=Count("cases", filter=Q(cases__state__in=OPEN_STATES)),
            done=Count("cases", filter=Q(cases__state__in=CLOSED_STATES)),
        ),
        user,
    )


def _out(b: Batch) -> dict:
    return {
        "id": b.pk,
        "title": b.title,
        "deadline": b.deadline,
        "owner": b.owner.name,
        "outcome": b.outcome,
        "resolved_on": b.resolved_on,
        "total": b.total,
        "open": b.open,
        "done": b.done,
    }


def _detail(user, batch_id: int) -> dict:
    batch = get_visible_or_404(_batches(user), user, pk=batch_id)
    out = _out(batch)
    out["cases"] = [
        {"id": c.pk, "number": c.number, "state": c.state}
        for c in visible(batch.cases.all(), user).order_by("pk")
    ]
    return out


@router.get("/batches", response={200: BatchPage, **READ_ERRORS}, summary="List batches (集中办)")
def list_batches(request, paging: PageParams = Query(...)):  # noqa: B008
    result = page(_batches(request.auth), paging)
    result["items"] = [_out(b) for b in result["items"]]
    return result


@router.get(
    "/batches/{batch_id}", response={200: BatchDetail, **READ_ERRORS}, summary="A batch and its cases"
)
def get_batch(request, batch_id: int):
    return _detail(request.auth, batch_id)


class BatchIn(Schema):
    title: str = Field(max_length=100)
    deadline: datetime.date = Field(description="A working day.")


@router.post("/batches", response={201: BatchDetail, **ERRORS}, summary="Make a batch (a leader or head)")
def create_batch(request, payload: BatchIn):
    refuse_nul(payload)
    require_cap(request.auth, Cap.VIEW_CASES)
    user = writer(request.auth)
    require_cap(user, Cap.DISPATCH_CASES)
    form = BatchForm({"title": payload.title, "deadline": payload.deadline.isoformat()})
    if not form.is_valid():
        _invalid(form)
    batch = services.batch_create(bureau=user.bureau, by=user, owner=user, **form.cleaned_data)
    return Status(201, _detail(request.auth, batch.pk))


class BatchAddIn(Schema):
    number: str = Field(max_length=12, description="The case's number, e.g. 2026-00012.")


@router.post(
    "/batches/{batch_id}/cases", response={200: BatchDetail, **ERRORS}, summary="Add a case to a batch"
)
def add_to_batch(request, batch_id: int, payload: BatchAddIn):
    refuse_nul(payload)
    batch = get_visible_or_404(_batches(request.auth), request.auth, pk=batch_id)
    user = writer(request.auth)
    require_cap(user, Cap.DISPATCH_CASES)
    form = BatchAddForm({"number": payload.number})
    if not form.is_valid():
        _invalid(form)
    request.user = user
    case = case_pages._case_by_number(request, form.cleaned_data["number"])
    services.batch_add_case(batch=batch, case=case, by=user)
    return _detail(request.auth, batch_id)


class BatchResolveIn(Schema):
    outcome: str = Field(max_length=5000)


@router.post(
    "/batches/{batch_id}/resolve",
    response={200: BatchDetail, **ERRORS},
    summary="Resolve every open case of the batch with one outcome — all of them or none",
)
def resolve_batch(request, batch_id: int, payload: BatchResolveIn):
    refuse_nul(payload)
    batch = get_visible_or_404(_batches(request.auth), request.auth, pk=batch_id)
    user = writer(request.auth)
    require_cap(user, Cap.DISPATCH_CASES)
    form = BatchResolveForm({"outcome": payload.outcome})
    if not form.is_valid():
        _invalid(form)
    services.batch_resolve(batch=batch, by=user, outcome=form.cleaned_data["outcome"])
    return _detail(request.auth, batch_id)
