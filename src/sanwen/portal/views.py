"""The public portal (阳光公开): pages without login for farmers and retailers, mobile first, under a
strict Content-Security-Policy. Every refusal says why in the visitor's language and stores nothing.
The staff-side page of visit cards (QR codes to the portal) is at the end."""

import datetime
from functools import wraps

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from modeltranslation.utils import build_localized_fieldname

from sanwen.accountability.models import ViolationReport
from sanwen.accountability.services import report_public
from sanwen.campaigns.models import Campaign, CaseCategory
from sanwen.cases.models import Case, Deed, State
from sanwen.core import codes, ratelimit
from sanwen.core.access import Cap, has_cap
from sanwen.core.forms import add_service_errors
from sanwen.core.pagination import paginate
from sanwen.core.params import query_id, query_ids
from sanwen.core.text import mask_phone
from sanwen.notify.services import sms_consent_give
from sanwen.org.models import Bureau, Department, Place, PlaceLevel, Staff
from sanwen.portal import public, services
from sanwen.portal.forms import KIND_HINTS, MisconductForm, RaiseForm, RateForm, TrackForm

CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ]
)
RECEIVED_KEPT = 5  # tracking codes this browser raised, shown again on the received page


def portal_page(view):
    """Headers of every portal page: a strict CSP (no inline script or style, nothing from elsewhere),
    no referrer to other sites (a tracking code in the address never leaks), not cached."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = CSP
        # Same-origin, not no-referrer: with no-referrer Chrome sends "Origin: null" on form posts,
        # which fails the CSRF check; nothing on these pages links or loads elsewhere anyway.
        response["Referrer-Policy"] = "same-origin"
        response["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=()"
        response["Cache-Control"] = "no-store"
        return response

    return wrapped


def _bureau(bureau_code: str) -> Bureau:
    bureau = Bureau.objects.select_related("area").filter(code=bureau_code).first()
    if bureau is None:
        raise Http404
    return bureau


def _running_campaign(bureau, day=None):
    return Campaign.objects.current(bureau, day or timezone.localdate())


def _refuse(request, message: str, status: int, *, bureau=None, retry_after: int = 0):
    response = render(request, "portal/refused.html", {"message": message, "bureau": bureau}, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _wait_message(seconds: int) -> str:
    minutes = max(1, (seconds + 59) // 60)
    return _(
        "Too many attempts from your network in a short time. Please try again in %(minutes)d minutes, "
        "or call the bureau."
    ) % {"minutes": minutes}


@portal_page
def portal_index(request):
    """The bureaus that take items from the public: one goes straight to its portal."""
    today = timezone.localdate()
    bureaus = list(
        Bureau.objects.filter(
            Q(campaign__end__isnull=True) | Q(campaign__end__gte=today),
            campaign__active=True,
            campaign__start__lte=today,
        )
        .distinct()
        .order_by("code")
    )
    if len(bureaus) == 1:
        return redirect("portal_home", bureau_code=bureaus[0].code)
    return render(request, "portal/index.html", {"bureaus": bureaus})


@portal_page
def portal_home(request, bureau_code):
    bureau = _bureau(bureau_code)
    return render(
        request,
        "portal/home.html",
        {
            "bureau": bureau,
            "campaign": _running_campaign(bureau),
            "codes": request.session.get("portal_codes", []),
        },
    )


def _card_staff(bureau, text):
    if not text:
        return None
    try:
        code = codes.parse(text, codes.CARD_BODY + 1)
    except codes.CodeError:
        return None
    return (
        Staff.objects.select_related("department")
        .filter(card_code=code, bureau=bureau, is_active=True)
        .first()
    )


@portal_page
def portal_card(request, card_code):
    """The address in a visit card's QR code: the raise page of the card holder's bureau."""
    try:
        code = codes.parse(card_code, codes.CARD_BODY + 1)
    except codes.CodeError as exc:
        raise Http404 from exc
    staff = Staff.objects.select_related("bureau").filter(card_code=code, is_active=True).first()
    if staff is None or staff.bureau is None:
        raise Http404
    return redirect(f"{reverse('portal_raise', kwargs={'bureau_code': staff.bureau.code})}?via={code}")


@portal_page
def portal_raise(request, bureau_code):
    bureau = _bureau(bureau_code)
    campaign = _running_campaign(bureau)
    card = _card_staff(bureau, request.GET.get("via") or request.POST.get("via"))
    limit = (settings.PORTAL_UPLOAD_MAX_MB + 1) * 1024 * 1024
    if request.method == "POST" and int(request.META.get("CONTENT_LENGTH") or 0) > limit:
        return _refuse(
            request,
            _("What you sent is too large: a photo may be at most %(mb)d MB. Nothing was saved.")
            % {"mb": settings.PORTAL_UPLOAD_MAX_MB},
            413,
            bureau=bureau,
        )
    form = RaiseForm(request.POST or None, request.FILES or None, bureau=bureau)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            wait = ratelimit.hit(request, "raise")
            if wait:
                return _refuse(request, _wait_message(wait), 429, bureau=bureau, retry_after=wait)
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    case = services.portal_raise(
                        bureau=bureau,
                        kind=data["kind"],
                        text=data["text"],
                        township=form.place("township"),
                        village=form.place("village"),
                        name=data["name"],
                        phone=data["phone"],
                        confidential=data["confidential"],
                        photo=data["photo"],
                        card_staff=card,
                    )
                    if data["sms_consent"]:
                        sms_consent_give(case=case, phone=case.contact_phone)
            except ValidationError as exc:
                ratelimit.refund(request, "raise")  # refused for what it contains: not an attempt
                add_service_errors(form, exc)
            else:
                return _received(request, case.tracking_code, case.raised_on)
    return render(
        request,
        "portal/raise.html",
        {
            "bureau": bureau,
            "campaign": campaign,
            "form": form,
            "card": card,
            "card_masked_phone": mask_phone(card.phone) if card else "",
            "kind_hints": KIND_HINTS,
        },
        status=status,
    )


def _received(request, code: str, on, *, report: bool = False):
    """Keep the new code in this browser's session (the received page shows it; nothing puts it in
    an address) and go there."""
    entry = {"code": code, "on": on.isoformat(), "report": report}
    request.session["portal_codes"] = [entry, *request.session.get("portal_codes", [])][:RECEIVED_KEPT]
    return redirect("portal_received")


@portal_page
def portal_received(request):
    entries = request.session.get("portal_codes", [])
    if not entries:
        return redirect("portal_index")
    latest = entries[0]
    case = Case.objects.select_related("bureau", "mode").filter(tracking_code=latest["code"]).first()
    if case is None and latest.get("report"):
        report = ViolationReport.objects.select_related("bureau").filter(tracking_code=latest["code"]).first()
        return render(
            request,
            "portal/received.html",
            {
                "code": codes.display(latest["code"]),
                "raw_code": latest["code"],
                "report": report,
                "bureau": report.bureau if report else None,
                "earlier": [dict(e, code=codes.display(e["code"])) for e in entries[1:]],
            },
        )
    return render(
        request,
        "portal/received.html",
        {
            "code": codes.display(latest["code"]),
            "raw_code": latest["code"],
            "case": case,
            "bureau": case.bureau if case else None,
            "earlier": [dict(e, code=codes.display(e["code"])) for e in entries[1:]],
        },
    )


@portal_page
def portal_report(request, bureau_code):
    """Report a cadre's misconduct (五不准), anonymously if one wishes; it gets its own tracking code
    and goes to the bureau's inspectors."""
    bureau = _bureau(bureau_code)
    campaign = _running_campaign(bureau)
    if campaign is None:
        return _refuse(
            request,
            _("The bureau is not taking matters online at the moment; please call the bureau."),
            404,
            bureau=bureau,
        )
    form = MisconductForm(request.POST or None, campaign=campaign)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            wait = ratelimit.hit(request, "report")
            if wait:
                return _refuse(request, _wait_message(wait), 429, bureau=bureau, retry_after=wait)
            data = form.cleaned_data
            try:
                report = report_public(
                    bureau=bureau,
                    prohibition=data["prohibition"],
                    description=data["description"],
                    accused_text=data["accused_text"],
                    anonymous=data["anonymous"],
                    name=data["name"],
                    phone=data["phone"],
                )
            except ValidationError as exc:
                ratelimit.refund(request, "report")
                add_service_errors(form, exc)
            else:
                return _received(request, report.tracking_code, report.received_on, report=True)
    return render(request, "portal/report.html", {"bureau": bureau, "form": form}, status=status)


REPORT_STATE = {
    "received": gettext_lazy("Received by the inspectors"),
    "investigating": gettext_lazy("Under investigation"),
    "substantiated": gettext_lazy("Investigated: substantiated and dealt with"),
    "unsubstantiated": gettext_lazy("Investigated: not substantiated"),
}


CODE_ERRORS = {
    "length": gettext_lazy("The tracking code has 10 characters (e.g. K7M3P-2XQ9A); please check it."),
    "symbol": gettext_lazy(
        "A tracking code uses only the digits 2–9 and the letters A–Z without I, O and U; please check it."
    ),
    "check": gettext_lazy(
        "One of the characters does not fit the others (the last one is a check character); please check it."
    ),
}


def _lookup(request, text):
    """The case of a typed code, or (None, an error message). Every lookup counts against the limit."""
    wait = ratelimit.hit(request, "lookup")
    if wait:
        return None, _wait_message(wait), wait
    try:
        code = codes.parse(text)
    except codes.CodeError as exc:
        return None, str(CODE_ERRORS[exc.reason]), 0
    case = (
        Case.objects.select_related(
            "department",
            "household",
            "owner",
            "raised_by",
            "merged_into",
            "merged_into__department",
            "merged_into__household",
            "merged_into__owner",
            "merged_into__raised_by",
        )
        .filter(tracking_code=code)
        .first()
    )
    if case is None:
        report = ViolationReport.objects.select_related("bureau").filter(tracking_code=code).first()
        if report is not None:
            return report, "", 0
        return None, _("No matter has this tracking code. Please check it, or call the bureau."), 0
    return case, "", 0


@portal_page
def portal_track(request):
    form = TrackForm(request.GET or None)
    context = {"form": form}
    status = 200
    if request.GET.get("code"):
        case, error, wait = _lookup(request, request.GET["code"])
        if error:
            context["error"] = error
            status = 429 if wait else 404
        elif not isinstance(case, Case):  # a misconduct report: its state only
            context |= {
                "report": case,
                "report_state": REPORT_STATE[case.state],
                "code": codes.display(case.tracking_code),
                "bureau": case.bureau,
            }
        else:
            context |= {
                "case": case,
                "status": public.status(case),
                "code": codes.display(case.tracking_code),
                "bureau": case.bureau,
                "rate_form": RateForm(initial={"code": case.tracking_code}),
            }
    response = render(request, "portal/track.html", context, status=status)
    if status == 429:
        response["Retry-After"] = str(wait)
    return response


@portal_page
@require_POST
def portal_rate(request):
    wait = ratelimit.hit(request, "rate")
    if wait:
        return _refuse(request, _wait_message(wait), 429, retry_after=wait)
    form = RateForm(request.POST)
    case = None
    if form.is_valid():
        try:
            code = codes.parse(form.cleaned_data["code"])
        except codes.CodeError:
            raise Http404 from None
        case = Case.objects.filter(tracking_code=code).first()
        if case is None:
            raise Http404
        try:
            services.portal_rate(
                case=case,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return redirect(f"{reverse('portal_track')}?code={codes.display(code)}&rated=1")
    if case is None:
        code = codes.normalise(request.POST.get("code", ""))
        case = Case.objects.filter(tracking_code=code).first() if codes.is_valid(code) else None
        if case is None:
            raise Http404
    context = {
        "form": TrackForm(initial={"code": codes.display(case.tracking_code)}),
        "case": case,
        "status": public.status(case),
        "code": codes.display(case.tracking_code),
        "bureau": case.bureau,
        "rate_form": form,
    }
    # A rating refused for what it says costs nothing; an unknown code (a guess) was counted above.
    ratelimit.refund(request, "rate")
    return render(request, "portal/track.html", context, status=400)


BOARD_PAGE = 20
# What the board shows of a case and of the records it names (names in every language of those kept
# in several): the rest of their columns (a person's, a household's) are not read.
_NAMES_IN_EVERY_LANGUAGE = [build_localized_fieldname("name", code) for code, _label in settings.LANGUAGES]
BOARD_FIELDS = (
    *("year", "sequence", "title", "confidential", "contact_name", "raised_on", "state", "deadline"),
    *("resolution", "resolved_on", "satisfaction", "public", "bureau"),
    *("township__name", "village__name", "household__name", "owner__name", "raised_by__name"),
    *(
        f"{record}__{name}"
        for record in ("category", "department")
        for name in ["name", *_NAMES_IN_EVERY_LANGUAGE]
    ),
)


@portal_page
def portal_board(request, bureau_code):
    """公开办: the bureau's public cases with their progress, or its public deeds; personal details
    masked; filterable by township and category."""
    bureau = _bureau(bureau_code)
    show = "deeds" if request.GET.get("show") == "deeds" else "cases"
    townships = list(
        Place.objects.within(bureau.area.code)
        .filter(level=PlaceLevel.TOWNSHIP)
        .order_by("code")
        .values("pk", "name")
    )
    township = query_id(request.GET, "township")
    category = query_id(request.GET, "category")
    if show == "cases":
        rows = (
            Case.objects.filter(bureau=bureau, public=True)
            .exclude(state__in=[State.DECLINED, State.MERGED])
            .select_related(
                "township", "village", "category", "household", "department", "owner", "raised_by"
            )
            .only(*BOARD_FIELDS)
            .prefetch_related(public.public_events())
            .order_by("-raised_on", "-id")
        )
        if township:
            rows = rows.filter(township_id=township)
        if category:
            rows = rows.filter(category_id=category)
    else:
        rows = (
            Deed.objects.filter(bureau=bureau, public=True)
            .select_related("kind", "vehicle", "township", "department")
            .order_by("-on", "-id")
        )
        if township:
            rows = rows.filter(township_id=township)
    page, query = paginate(request, rows, BOARD_PAGE)
    items = []
    for row in page.object_list:
        if show == "cases":
            names = public.names_of(row, row.public_events)
            items.append(
                {
                    "number": row.number,
                    "title": public.scrub(row.title, names),
                    "category": row.category.name if row.category_id else "",
                    "township": row.township.name if row.township_id else "",
                    "village": row.village.name if row.village_id and not row.confidential else "",
                    "raiser": public.raiser(row),
                    "raised_on": row.raised_on,
                    "state": row.state,
                    "state_label": public.PUBLIC_STATE[State(row.state)],
                    "deadline": row.deadline,
                    "department": row.department.name if row.department_id else "",
                    "result": public.scrub(row.resolution, names) if row.resolved_on else "",
                    "satisfaction": row.get_satisfaction_display() if row.satisfaction else "",
                    "progress": public.progress(row.public_events, names),
                }
            )
        else:
            items.append(
                {
                    "kind": row.kind.name,
                    "quantity": row.quantity.normalize(),
                    "unit": row.unit,
                    "on": row.on,
                    "description": public.scrub(row.description),
                    "township": row.township.name if row.township_id else "",
                    "vehicle": row.vehicle.name,
                    "department": row.department.name if row.department_id else "",
                }
            )
    categories = list(
        CaseCategory.objects.filter(campaign__bureau=bureau, campaign__active=True)
        .order_by("order", "name")
        .values("pk", "name")
    )
    return render(
        request,
        "portal/board.html",
        {
            "bureau": bureau,
            "show": show,
            "page": page,
            "query": query,
            "items": items,
            "townships": townships,
            "categories": categories,
            "township": township,
            "category": category,
        },
    )


# --- visit cards (staff side) ---------------------------------------------------------------


def card_url(request, staff) -> str:
    path = reverse("portal_card", kwargs={"card_code": staff.card_code})
    base = settings.PORTAL_BASE_URL or request.build_absolute_uri("/").rstrip("/")
    return base + path


def qr_svg(url: str, scale: int = 4) -> str:
    """The QR code as inline SVG (no XML declaration, dark modules only)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=scale, border=2, dark="#000")


def _card_staff_for(request):
    """Whose cards the user may print: their own; a department head their department's; a leader
    (and an administrator) the whole bureau's."""
    user = request.user
    people = Staff.objects.filter(bureau_id=user.bureau_id, is_active=True).exclude(card_code__isnull=True)
    if has_cap(user, Cap.VIEW_ALL_NOTEBOOKS) or has_cap(user, Cap.ADMINISTER):
        return people
    if has_cap(user, Cap.REVIEW_NOTEBOOKS) and user.department_id:
        return people.filter(department_id=user.department_id)
    return people.filter(pk=user.pk)


@login_required
def visit_cards(request):
    """Printable visit cards: A6, four to an A4 sheet, each with the QR code to the portal."""
    if request.user.bureau_id is None:
        raise Http404
    allowed = (
        _card_staff_for(request).select_related("department", "bureau").order_by("department__order", "name")
    )
    department = query_id(request.GET, "department")
    chosen = query_ids(request.GET, "staff")
    people = allowed
    if chosen:
        people = people.filter(pk__in=chosen)
    elif department:
        people = people.filter(department_id=department)
    else:
        people = people.filter(pk=request.user.pk) if allowed.filter(pk=request.user.pk).exists() else people
    people = list(people[:200])
    # The checkbox comes with a hidden "0", so an unticked box still says so.
    with_phone = "1" in request.GET.getlist("phone") if "phone" in request.GET else True
    cards = [
        {
            "staff": person,
            "url": card_url(request, person),
            "svg": qr_svg(card_url(request, person)),
            "code": person.card_code,
        }
        for person in people
    ]
    sheets = [cards[i : i + 4] for i in range(0, len(cards), 4)]
    departments = Department.objects.filter(
        bureau_id=request.user.bureau_id, pk__in=allowed.values("department_id")
    ).order_by("order", "name")
    return render(
        request,
        "portal/cards.html",
        {
            "sheets": sheets,
            "allowed": allowed,
            "departments": departments,
            "department": department,
            "chosen": set(chosen) or {p.pk for p in people},
            "with_phone": with_phone,
            "portal_url": (settings.PORTAL_BASE_URL or request.build_absolute_uri("/").rstrip("/"))
            + reverse("portal_home", kwargs={"bureau_code": request.user.bureau.code}),
            "today": datetime.date.today(),
        },
    )


@login_required
def visit_card_svg(request, staff_id):
    """One person's QR code as an SVG file (for a print shop or a poster)."""
    person = _card_staff_for(request).filter(pk=staff_id).first()
    if person is None:
        raise Http404
    svg = segno.make(card_url(request, person), error="m").svg_inline(scale=10, border=4)
    response = HttpResponse(f'<?xml version="1.0" encoding="utf-8"?>\n{svg}', content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="card-{person.card_code}.svg"'
    return response
