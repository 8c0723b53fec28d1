"""The API keys page: a bureau's administrator makes, lists and revokes its keys."""

import datetime

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from sanwen.api import services
from sanwen.api.models import ApiKey
from sanwen.core.access import SERVICE_CAPS, Cap, get_visible_or_404, require_cap, visible
from sanwen.core.forms import StyledFormMixin
from sanwen.org.models import Staff


class KeyForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    caps = forms.MultipleChoiceField(
        label=_("capabilities"),
        choices=[(c.value, c.label) for c in Cap if c.value in SERVICE_CAPS],
        widget=forms.CheckboxSelectMultiple,
    )
    expires_on = forms.DateField(
        label=_("expires on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    rate_per_minute = forms.IntegerField(
        label=_("requests a minute"), initial=120, min_value=1, max_value=services.MAX_RATE
    )
    acts_for = forms.ModelChoiceField(
        label=_("acts for"),
        queryset=Staff.objects.none(),
        required=False,
        help_text=_(
            "Needed for a key that writes (registers or handles cases, decides extensions, records deeds): "
            "what it writes is signed by this person, within what both the person and the key may do."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["acts_for"].queryset = Staff.objects.filter(
            bureau_id=user.bureau_id, is_active=True
        ).order_by("name", "username")


@login_required
def key_list(request):
    require_cap(request.user, Cap.ADMINISTER)
    today = timezone.localdate()
    form = KeyForm(
        request.POST or None, user=request.user, initial={"expires_on": today + datetime.timedelta(days=90)}
    )
    token = None
    if request.method == "POST" and form.is_valid():
        try:
            _key, token = services.api_key_create(by=request.user, **form.cleaned_data)
            form = KeyForm(user=request.user, initial={"expires_on": today + datetime.timedelta(days=90)})
        except ValidationError as exc:
            form.add_error(None, exc)
    keys = list(visible(ApiKey.objects.select_related("created_by", "acts_for"), request.user))
    labels = dict(Cap.choices)
    for key in keys:
        key.cap_labels = [labels.get(cap, cap) for cap in key.caps]
    return render(
        request, "api/keys.html", {"form": form, "token": token, "keys": keys, "now": timezone.now()}
    )


@login_required
@require_POST
def key_revoke(request, key_id):
    require_cap(request.user, Cap.ADMINISTER)
    key = get_visible_or_404(ApiKey.objects.all(), request.user, pk=key_id)
    services.api_key_revoke(key=key, by=request.user)
    messages.success(request, _("The key was revoked."))
    return redirect("api_keys")
