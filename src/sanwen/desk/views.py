"""The home desk: the start page, notifications (what fell due and notices from others' steps),
the working-day calendar's page, and the page shown when a form's security token failed."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sanwen.campaigns.models import Campaign
from sanwen.cases.alerts import due_for, silence
from sanwen.cases.clock import render_alert, render_notice
from sanwen.cases.models import AlertKind, Case
from sanwen.cases.views import DUE_SOON_DAYS
from sanwen.clients.models import (
    HouseholdKind,
    HouseholdTally,
    ImportRun,
    LicenceStatus,
    PlantingContract,
    RetailLicence,
)
from sanwen.clients.rules import RENEWAL_LEAD_DAYS
from sanwen.core.access import Cap, require_cap, visible
from sanwen.core.calendar import PACKAGE_YEARS, WorkingCalendar
from sanwen.core.calendar_services import parse_calendar_csv, parse_calendar_lines
from sanwen.core.forms import StyledFormMixin
from sanwen.core.models import CalendarDay, CalendarYear, Notification
from sanwen.core.pagination import paginate
from sanwen.core.params import BadParameter
from sanwen.desk.calendar import calendar_year_enter
from sanwen.fieldwork.quota import my_progress
from sanwen.org.models import ContactPoint, Staff
from sanwen.portal.views import CSP


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    # The households one may read, counted on write per bureau and kind (HouseholdTally).
    households = visible(HouseholdTally.objects.filter(active=True), user).aggregate(
        total=Coalesce(Sum("n"), 0),
        farmers=Coalesce(Sum("n", filter=Q(kind=HouseholdKind.FARMER)), 0),
        retailers=Coalesce(Sum("n", filter=Q(kind=HouseholdKind.RETAILER)), 0),
    )
    renewal_window = today + datetime.timedelta(days=RENEWAL_LEAD_DAYS + 30)
    licences = visible(RetailLicence.objects.filter(status=LicenceStatus.VALID), user).aggregate(
        valid=Count("id", filter=Q(valid_to__gte=today)),
        expired=Count("id", filter=Q(valid_to__lt=today)),
        renew_soon=Count("id", filter=Q(valid_to__gte=today, valid_to__lte=renewal_window)),
    )
    contracts = visible(PlantingContract.objects.filter(year=today.year), user).aggregate(
        count=Count("id"), area=Sum("area_mu"), kg=Sum("contracted_kg"), barns=Sum("barns")
    )
    staff = visible(Staff.objects.filter(is_active=True), user).aggregate(
        total=Count("id"), departments=Count("department", distinct=True)
    )
    campaign = Campaign.objects.current(user.bureau, today) if user.bureau_id else None
    my_points = (
        ContactPoint.objects.filter(staff=user, since__lte=today)
        .exclude(until__lt=today)
        .select_related("village", "village__parent")
    )
    recent_imports = (
        visible(ImportRun.objects.select_related("by"), user)[:5] if user.can(Cap.IMPORT_CLIENTS) else []
    )
    soon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    my_cases = (
        Case.objects.open()
        .filter(owner=user)
        .aggregate(
            open=Count("id"),
            overdue=Count("id", filter=Q(deadline__lt=today)),
            due_soon=Count("id", filter=Q(deadline__gte=today, deadline__lte=soon)),
        )
        if user.can(Cap.HANDLE_CASES)
        else None
    )
    to_accept = (
        visible(Case.objects.filter(state="registered"), user).count()
        if user.can(Cap.DISPATCH_CASES)
        else None
    )
    field_progress = my_progress(user, today) if user.can(Cap.RECORD_FIELDWORK) else None
    # Administrators enter the missing year; leaders and heads learn why limits stay pending meanwhile.
    warned = user.can(Cap.ADMINISTER) or user.can(Cap.DISPATCH_CASES) or user.can(Cap.APPROVE_EXTENSIONS)
    missing_year = WorkingCalendar.load().missing_next_year(today) if warned else None
    pending_limits = (
        visible(Case.objects.exclude(deadline_pending=""), user).count()
        if missing_year and user.can(Cap.VIEW_CASES)
        else None
    )
    return render(
        request,
        "desk/home.html",
        {
            "today": today,
            "households": households,
            "licences": licences,
            "contracts": contracts,
            "staff": staff,
            "campaign": campaign,
            # The campaign's rules in their order within it (the models' default ordering starts with
            # the campaign and so joins the campaign and its bureau to sort one campaign's rows).
            "modes": campaign.handlingmode_set.order_by("order", "id") if campaign else [],
            "quotas": campaign.quotas.order_by("days_per_month", "id") if campaign else [],
            "vehicles": campaign.vehicle_set.order_by("order", "id") if campaign else [],
            "my_points": my_points,
            "recent_imports": recent_imports,
            "renewal_window": renewal_window,
            "my_cases": my_cases,
            "to_accept": to_accept,
            "missing_year": missing_year,
            "pending_limits": pending_limits,
            "field_progress": field_progress,
        },
    )


ALERTS_SHOWN = 100  # the notifications page lists the latest alerts of the last 30 days, up to this many


@login_required
def notification_list(request):
    """What fell due for me in the last 30 days (read from the cases), and the notices others' steps sent me."""
    today = timezone.localdate()
    due = due_for(request.user, today=today, since=today - datetime.timedelta(days=30))
    # The latest ones, chosen in the database: a leader's month can hold tens of thousands.
    due = (
        []
        if due.query.is_empty()
        else list(due.order_by("-alert_due", "-alert_case", "alert_kind")[:ALERTS_SHOWN])
    )
    cases = Case.objects.in_bulk({row["alert_case"] for row in due})
    read_day = request.user.alerts_read_at.date() if request.user.alerts_read_at else None
    alerts = [
        {
            "case_id": row["alert_case"],
            "rendered": render_alert(
                cases[row["alert_case"]], AlertKind(row["alert_kind"]), row["alert_due"]
            ),
            "unread": read_day is None or row["alert_due"] > read_day,
            "due": row["alert_due"],
        }
        for row in due
    ]
    notes = visible(Notification.objects.select_related("case"), request.user)
    page, query = paginate(request, notes)
    for note in page:
        note.rendered = render_notice(note)
    return render(request, "desk/notifications.html", {"page": page, "query": query, "alerts": alerts})


@login_required
@require_POST
def notifications_read(request):
    now = timezone.now()
    with transaction.atomic():
        visible(Notification.objects.filter(read_at__isnull=True), request.user).update(read_at=now)
        Staff.objects.filter(pk=request.user.pk).update(alerts_read_at=now)
        silence(request.user)
    return redirect("notification_list")


class CalendarDaysForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label=_("year"), min_value=2000, max_value=2100)
    holidays = forms.CharField(
        label=_("Days off"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "One per line: a date and a name, e.g. 2027-01-01 元旦. Ranges: 2027-02-06..2027-02-13 春节."
        ),
    )
    workdays = forms.CharField(
        label=_("Make-up working days (调休)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Weekend days that are worked, one per line: 2027-02-14 春节调休."),
    )
    source = forms.CharField(label=_("source"), max_length=200, required=False)
    csv_file = forms.FileField(label=_("or a CSV file (date,kind,name)"), required=False)


@login_required
def calendar_years(request):
    """Administrators enter a year's statutory holidays when the package does not know it yet."""
    require_cap(request.user, Cap.ADMINISTER)
    calendar = WorkingCalendar.load()
    today = timezone.localdate()
    form = CalendarDaysForm(
        request.POST or None,
        request.FILES or None,
        initial={"year": calendar.missing_next_year(today) or today.year + 1},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["csv_file"]:
                days = parse_calendar_csv(data["year"], data["csv_file"].read())
            else:
                days = parse_calendar_lines(data["year"], data["holidays"], data["workdays"])
            result = calendar_year_enter(year=data["year"], days=days, source=data["source"], by=request.user)
            messages.success(
                request,
                _("%(year)d entered: %(days)d days; %(cases)d pending time limits computed.")
                % {"year": data["year"], "days": len(days), "cases": result},
            )
            return redirect("calendar_years")
        except ValidationError as exc:
            form.add_error(None, exc)
    years = CalendarYear.objects.select_related("entered_by")
    return render(
        request,
        "desk/calendar.html",
        {
            "form": form,
            "years": years,
            "package_years": f"{PACKAGE_YEARS.start}–{PACKAGE_YEARS.stop - 1}",
            "missing": calendar.missing_next_year(today),
            "days": CalendarDay.objects.filter(date__year__gte=PACKAGE_YEARS.stop - 1),
        },
    )


def csrf_failure(request, reason=""):
    """A form sent without its security token (an old page, cookies blocked): say what to do, in the
    visitor's language, instead of Django's technical page. Nothing was saved."""
    message = _(
        "The form had expired or your browser blocked its cookie, so nothing was saved. "
        "Go back, reload the page and send it again (cookies must be allowed for this site)."
    )
    if request.path.startswith("/p/"):
        response = render(request, "portal/refused.html", {"message": message}, status=403)
        response["Content-Security-Policy"] = CSP
        return response
    return render(request, "core/csrf_failure.html", {"message": message}, status=403)


def bad_request(request, exception=None):
    """A request the page cannot use (handler400): a parameter we refused says which and how to write
    it; anything else (a malformed request Django refused) gets a general sentence. Nothing was saved."""
    if isinstance(exception, BadParameter) and exception.args:
        message = str(exception.args[0])
    else:
        message = _(
            "The request could not be understood (a link may have been cut or changed). Nothing was saved."
        )
    if request.path.startswith("/p/"):
        response = render(request, "portal/refused.html", {"message": message}, status=400)
        response["Content-Security-Policy"] = CSP
        return response
    return render(request, "desk/bad_request.html", {"message": message}, status=400)
