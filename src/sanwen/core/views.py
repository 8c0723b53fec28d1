"""Core pages: logging in, the audit trail, and serving an uploaded photo."""

import datetime

from django import forms
from django.apps import apps
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from sanwen.core.access import Cap, require_cap, visible
from sanwen.core.audit import present
from sanwen.core.forms import StyledFormMixin
from sanwen.core.models import AuditAction, AuditEvent
from sanwen.core.pagination import paginate


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


class AuditFilterForm(StyledFormMixin, forms.Form):
    who = forms.CharField(label=_("who"), required=False, max_length=64)
    type = forms.ChoiceField(label=_("record"), required=False)
    id = forms.IntegerField(label=_("number"), required=False, min_value=1, max_value=2**62)
    action = forms.ChoiceField(label=_("action"), required=False)
    start = forms.DateField(label=_("from"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("to"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["type"].choices = [("", _("All records")), *audited_types()]
        self.fields["action"].choices = [("", _("All actions")), *AuditAction.choices]

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            raise ValidationError(_("The end date is before the start date."))
        return data


def audited_types() -> list[tuple[str, str]]:
    """Every kind of record of the platform, by its name in the user's language."""
    return sorted(
        (
            (m._meta.label_lower, str(m._meta.verbose_name))
            for m in apps.get_models()
            if m._meta.app_label in PROJECT_APPS
        ),
        key=lambda pair: pair[1],
    )


PROJECT_APPS = {
    "core",
    "org",
    "campaigns",
    "clients",
    "cases",
    "fieldwork",
    "accountability",
    "reports",
    "portal",
    "api",
}


@login_required
def audit_list(request):
    """The audit trail as an inspector reads it: what the access policy lets this user see, filtered by
    person, record and dates, each change in words."""
    require_cap(request.user, Cap.VIEW_AUDIT)
    events = visible(AuditEvent.objects.select_related("actor"), request.user)
    form = AuditFilterForm(request.GET or None)
    if form.is_valid():
        data = form.cleaned_data
        if data["who"]:
            events = events.filter(Q(actor__name__icontains=data["who"]) | Q(actor__username=data["who"]))
        if data["type"]:
            events = events.filter(object_type=data["type"])
        if data["id"]:
            events = events.filter(object_id=str(data["id"]))
        if data["action"]:
            events = events.filter(action=data["action"])
        zone = timezone.get_current_timezone()
        if data["start"]:
            events = events.filter(at__gte=datetime.datetime.combine(data["start"], datetime.time.min, zone))
        if data["end"]:
            end = data["end"] + datetime.timedelta(days=1)
            events = events.filter(at__lt=datetime.datetime.combine(end, datetime.time.min, zone))
    elif form.is_bound:
        events = events.none()
    page, query = paginate(request, events, 50)
    present(page, request.user)
    return render(request, "core/audit_list.html", {"page": page, "query": query, "form": form})


def photo_response(field_file):
    """An uploaded photo (always stored as JPEG) for a page of the bureau's users, privately cached."""
    try:
        handle = field_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response
