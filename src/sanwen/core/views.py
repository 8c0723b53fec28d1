import datetime

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Count, Q, Sum
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanwen.campaigns.models import Campaign
from sanwen.clients.models import (
    Household,
    HouseholdKind,
    ImportRun,
    LicenceStatus,
    PlantingContract,
    RetailLicence,
)
from sanwen.clients.rules import RENEWAL_LEAD_DAYS
from sanwen.core.audit import masked_changes
from sanwen.core.models import AuditEvent
from sanwen.core.pagination import paginate
from sanwen.core.permissions import Cap, has_cap, require_cap, scope
from sanwen.org.models import ContactPoint, Staff


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        label=_("Username"), widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "core/login.html"
    redirect_authenticated_user = True


@login_required
def home(request):
    user = request.user
    today = timezone.localdate()
    households = scope(Household.objects.filter(active=True), user).aggregate(
        total=Count("id"),
        farmers=Count("id", filter=Q(kind=HouseholdKind.FARMER)),
        retailers=Count("id", filter=Q(kind=HouseholdKind.RETAILER)),
    )
    renewal_window = today + datetime.timedelta(days=RENEWAL_LEAD_DAYS + 30)
    licences = scope(RetailLicence.objects.filter(status=LicenceStatus.VALID), user).aggregate(
        valid=Count("id", filter=Q(valid_to__gte=today)),
        expired=Count("id", filter=Q(valid_to__lt=today)),
        renew_soon=Count("id", filter=Q(valid_to__gte=today, valid_to__lte=renewal_window)),
    )
    contracts = scope(PlantingContract.objects.filter(year=today.year), user).aggregate(
        count=Count("id"), area=Sum("area_mu"), kg=Sum("contracted_kg"), barns=Sum("barns")
    )
    staff = scope(Staff.objects.filter(is_active=True), user).aggregate(
        total=Count("id"), departments=Count("department", distinct=True)
    )
    campaign = Campaign.objects.current(user.bureau, today) if user.bureau_id else None
    my_points = (
        ContactPoint.objects.filter(staff=user, since__lte=today)
        .exclude(until__lt=today)
        .select_related("village", "village__parent")
    )
    recent_imports = (
        scope(ImportRun.objects.select_related("by"), user)[:5] if user.can(Cap.IMPORT_CLIENTS) else []
    )
    return render(
        request,
        "core/home.html",
        {
            "today": today,
            "households": households,
            "licences": licences,
            "contracts": contracts,
            "staff": staff,
            "campaign": campaign,
            "my_points": my_points,
            "recent_imports": recent_imports,
            "renewal_window": renewal_window,
        },
    )


@login_required
def audit_list(request):
    require_cap(request.user, Cap.VIEW_AUDIT)
    events = scope(AuditEvent.objects.select_related("actor"), request.user)
    object_type = request.GET.get("type", "")
    if object_type:
        events = events.filter(object_type=object_type)
    action = request.GET.get("action", "")
    if action:
        events = events.filter(action=action)
    object_id = request.GET.get("id", "")
    if object_id:
        events = events.filter(object_id=object_id)
    types = (
        scope(AuditEvent.objects.all(), request.user)
        .order_by()
        .values_list("object_type", flat=True)
        .distinct()
    )
    page, query = paginate(request, events)
    full = has_cap(request.user, Cap.UNMASK_ANY)
    for event in page:
        event.shown_changes = event.changes if full else masked_changes(event)
    return render(
        request,
        "core/audit_list.html",
        {
            "page": page,
            "query": query,
            "types": sorted(types),
            "object_type": object_type,
            "action": action,
            "actions": AuditEvent._meta.get_field("action").choices,
        },
    )
