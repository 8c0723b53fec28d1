import tempfile

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanwen.clients import imports, services
from sanwen.clients.forms import ContractForm, HouseholdForm, ImportForm, LicenceForm, RenewalForm
from sanwen.clients.models import Household, HouseholdKind, ImportRun, LicenceApplication, RetailLicence
from sanwen.core.access import (
    Cap,
    get_visible_or_404,
    has_cap,
    require_cap,
    unmasks_numbers,
    visible,
    working_bureau,
)
from sanwen.core.audit import audit_note
from sanwen.core.models import AuditAction, AuditEvent
from sanwen.core.pagination import paginate
from sanwen.core.params import parse_id, query_id
from sanwen.core.text import mask_id, mask_licence, mask_phone
from sanwen.core.versions import is_stale, keep_entry_after_conflict
from sanwen.core.xlsx import safe_row
from sanwen.org.models import Place, PlaceLevel

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filtered_households(request):
    households = visible(Household.objects.all(), request.user)
    params = request.GET
    if params.get("kind") in HouseholdKind.values:
        households = households.filter(kind=params["kind"])
    if township := query_id(params, "township"):
        households = households.filter(township_id=township)
    if village := query_id(params, "village"):
        households = households.filter(village_id=village)
    if params.get("q"):
        households = households.search(params["q"])
    return households


@login_required
def client_list(request):
    require_cap(request.user, Cap.VIEW_CLIENTS)
    households = (
        _filtered_households(request)
        .select_related("township", "village")
        .prefetch_related(
            Prefetch(
                "licences",
                queryset=RetailLicence.objects.only("id", "household_id", "number", "business_name"),
            )
        )
    )
    page, query = paginate(request, households)
    for h in page:
        h.phone_masked = mask_phone(h.phone)
        h.licence_numbers = [mask_licence(lic.number) for lic in h.licences.all()]
        h.business_names = [lic.business_name for lic in h.licences.all() if lic.business_name]
    places = (
        services.places_for_bureau(request.user.bureau) if request.user.bureau_id else Place.objects.none()
    )
    return render(
        request,
        "clients/client_list.html",
        {
            "page": page,
            "query": query,
            "kinds": HouseholdKind.choices,
            "townships": places.filter(level=PlaceLevel.TOWNSHIP),
            "villages": places.exclude(level=PlaceLevel.TOWNSHIP).filter(
                parent_id=parse_id(request.GET.get("township"))
            )
            if parse_id(request.GET.get("township"))
            else [],
            "params": request.GET,
        },
    )


@login_required
def client_export(request):
    """The filtered list as xlsx, numbers masked unless the role may see them (then audited)."""
    require_cap(request.user, Cap.VIEW_CLIENTS)
    import openpyxl

    full = unmasks_numbers(request.user) and request.GET.get("full") == "1"
    households = _filtered_households(request).select_related("township", "village")
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("客户名单")
    sheet.append(["类型", "姓名/经营者", "手机号码", "身份证号", "乡镇", "村", "地址"])
    count = 0
    for h in households.iterator(chunk_size=2000):
        row = [
            h.get_kind_display(),
            h.name,
            h.phone if full else mask_phone(h.phone),
            h.id_number if full else mask_id(h.id_number),
            h.township.name,
            h.village.name if h.village else "",
            h.address,
        ]
        sheet.append(safe_row(sheet, row))
        count += 1
    if full and request.user.bureau_id:
        audit_note(
            by=request.user,
            obj=request.user.bureau,
            action=AuditAction.UNMASK,
            note=_("Exported %(n)d clients with personal numbers in full.") % {"n": count},
        )
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it after streaming
    book.save(handle)
    handle.seek(0)
    stamp = timezone.localdate().strftime("%Y%m%d")
    return FileResponse(handle, as_attachment=True, filename=f"客户名单-{stamp}.xlsx", content_type=XLSX)


@login_required
def client_detail(request, household_id, bound=None, status=200):
    """`bound`: a form posted from this page that failed, shown again as it was filled in."""
    require_cap(request.user, Cap.VIEW_CLIENTS)
    bound = bound or {}
    household = get_visible_or_404(
        Household.objects.select_related("township", "village", "village__parent"),
        request.user,
        pk=household_id,
    )
    licences = list(
        household.licences.prefetch_related(
            Prefetch("applications", queryset=LicenceApplication.objects.order_by("-applied_on", "-id"))
        )
    )
    for lic in licences:
        lic.number_masked = mask_licence(lic.number)
        lic.renewal_form = bound.get(("renewal", lic.pk))
    history = []
    if has_cap(request.user, Cap.VIEW_AUDIT):
        history = AuditEvent.objects.filter(
            object_type="clients.household", object_id=str(household.pk)
        ).select_related("actor")[:20]
    return render(
        request,
        "clients/client_detail.html",
        {
            "household": household,
            "phone_masked": mask_phone(household.phone),
            "id_masked": mask_id(household.id_number),
            "credit_masked": mask_id(household.credit_code),
            "licences": licences,
            "contracts": household.contracts.all(),
            "can_reveal": services.household_can_reveal(household=household, user=request.user),
            "can_edit": has_cap(request.user, Cap.EDIT_CLIENTS),
            "history": history,
            "licence_form": bound.get("licence") or LicenceForm(),
            "renewal_form": RenewalForm(initial={"applied_on": timezone.localdate()}),
            "contract_form": bound.get("contract")
            or ContractForm(initial={"year": timezone.localdate().year, "seen": _contracts_seen(household)}),
        },
        status=status,
    )


def _contracts_seen(household) -> str:
    """The versions of the household's contracts as the page shows them (the stale-form check)."""
    return ",".join(f"{c.year}:{c.version}" for c in household.contracts.all())


@login_required
@require_POST
def client_reveal(request, household_id):
    household = get_visible_or_404(Household.objects.all(), request.user, pk=household_id)
    numbers = services.household_reveal(household=household, by=request.user)
    return render(request, "clients/_numbers.html", {"numbers": numbers})


def _household_form_view(request, household=None):
    require_cap(request.user, Cap.EDIT_CLIENTS)
    bureau = household.bureau if household is not None else working_bureau(request)
    initial = None
    if household is not None:
        initial = {
            f: getattr(household, f)
            for f in (
                "kind",
                "name",
                "phone",
                "id_number",
                "credit_code",
                "address",
                "market_type",
                "business_format",
                "note",
            )
        }
        initial |= {
            "township": household.township_id,
            "village": household.village_id,
            "version": household.version,
        }
    form = HouseholdForm(request.POST or None, bureau=bureau, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            if household is None:
                household = services.household_create(bureau=bureau, by=request.user, **data)
                messages.success(request, _("The household was added."))
            else:
                services.household_update(household=household, by=request.user, version=version, **data)
                messages.success(request, _("Your changes were saved."))
            return redirect("client_detail", household_id=household.pk)
        except ValidationError as exc:
            if is_stale(exc):
                household.refresh_from_db(fields=["version"])
                keep_entry_after_conflict(form, household.version)
            form.add_error(None, exc)
    return render(request, "clients/client_form.html", {"form": form, "household": household})


@login_required
def client_create(request):
    return _household_form_view(request)


@login_required
def client_edit(request, household_id):
    household = get_visible_or_404(Household.objects.all(), request.user, pk=household_id)
    return _household_form_view(request, household)


def _post_form(request, form, action, household_id, key, after_conflict=None):
    """Validate a small form posted from the detail page and call the service. Saved: back to the page.
    Refused: the page again with the form as it was filled in and the reasons, so nothing typed is lost
    (after a stale-form refusal, `after_conflict(form)` lets it carry what the page now shows)."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
            messages.success(request, _("Saved."))
            return redirect("client_detail", household_id=household_id)
        except ValidationError as exc:
            if after_conflict is not None and is_stale(exc):
                after_conflict(form)
            for message in exc.messages:
                messages.error(request, message)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
    return client_detail(request, household_id, bound={key: form}, status=400)


@login_required
@require_POST
def licence_add(request, household_id):
    require_cap(request.user, Cap.EDIT_CLIENTS)
    household = get_visible_or_404(
        Household.objects.select_related("bureau__area"), request.user, pk=household_id
    )
    return _post_form(
        request,
        LicenceForm(request.POST),
        lambda d: services.licence_create(household=household, by=request.user, **d),
        household.pk,
        "licence",
    )


@login_required
@require_POST
def licence_renew(request, retaillicence_id):
    require_cap(request.user, Cap.EDIT_CLIENTS)
    licence = get_visible_or_404(RetailLicence.objects.all(), request.user, pk=retaillicence_id)
    return _post_form(
        request,
        RenewalForm(request.POST),
        lambda d: services.licence_renew(licence=licence, by=request.user, **d),
        licence.household_id,
        ("renewal", licence.pk),
    )


@login_required
@require_POST
def contract_add(request, household_id):
    require_cap(request.user, Cap.EDIT_CLIENTS)
    household = get_visible_or_404(Household.objects.all(), request.user, pk=household_id)

    def save(d):
        services.contract_save(
            household=household,
            by=request.user,
            year=d["year"],
            area_mu=d["area_mu"],
            contracted_kg=d["contracted_kg"],
            variety=d["variety"],
            barns=d["barns"] or 0,
            version=None if d["seen"] is None else d["seen"].get(d["year"], 0),
        )

    def show_current(form):
        form.data = form.data.copy()
        form.data["seen"] = _contracts_seen(household)

    return _post_form(request, ContractForm(request.POST), save, household.pk, "contract", show_current)


@login_required
def client_import(request):
    require_cap(request.user, Cap.IMPORT_CLIENTS)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.IMPORT_MAX_BYTES:
            form.add_error(
                "file", _("The file is larger than %(mb)d MB.") % {"mb": settings.IMPORT_MAX_BYTES // 2**20}
            )
        else:
            outcome = imports.clients_import(
                bureau=request.user.bureau, by=request.user, filename=upload.name, content=upload.read()
            )
            return redirect("import_report", importrun_id=outcome.run.pk)
    runs = visible(ImportRun.objects.select_related("by"), request.user)
    page, query = paginate(request, runs, per_page=10)
    return render(
        request,
        "clients/import.html",
        {"form": form, "page": page, "query": query, "columns": imports.COLUMNS},
    )


@login_required
def import_report(request, importrun_id):
    require_cap(request.user, Cap.IMPORT_CLIENTS)
    run = get_visible_or_404(ImportRun.objects.select_related("by"), request.user, pk=importrun_id)
    return render(
        request,
        "clients/import_report.html",
        {"run": run, "errors": run.errors[:500], "more": max(0, len(run.errors) - 500)},
    )


@login_required
def import_errors_xlsx(request, importrun_id):
    require_cap(request.user, Cap.IMPORT_CLIENTS)
    run = get_visible_or_404(ImportRun.objects.all(), request.user, pk=importrun_id)
    response = HttpResponse(imports.error_workbook(run), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''import-{run.pk}-errors.xlsx"
    return response


@login_required
def import_template(request):
    require_cap(request.user, Cap.IMPORT_CLIENTS)
    response = HttpResponse(imports.template_workbook(), content_type=XLSX)
    response["Content-Disposition"] = (
        "attachment; filename*=UTF-8''%E5%AE%A2%E6%88%B7%E5%AF%BC%E5%85%A5%E6%A8%A1%E6%9D%BF.xlsx"
    )
    return response
