"""The signed-in person's own account: changing their password; the page shown when login is locked."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext_lazy

from sanwen.core.forms import StyledFormMixin
from sanwen.org import services

# Django 5.2's password validator asks for this message with %d; its own zh_Hans catalogue still has
# the older %(min_length)d wording. Marked here so that our catalogue keeps the translation when
# `make messages` regenerates it.
PASSWORD_TOO_SHORT = ngettext_lazy(
    "This password is too short. It must contain at least %d character.",
    "This password is too short. It must contain at least %d characters.",
    "min_length",
)


class OwnPasswordForm(StyledFormMixin, PasswordChangeForm):
    pass


@login_required
def password_change(request):
    form = OwnPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.staff_change_password(
            staff=request.user, by=request.user, password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, user)  # stays signed in here; other sessions end
        messages.success(request, _("Your password was changed."))
        return redirect("home")
    return render(request, "org/password_change.html", {"form": form})


def lockout(request, original_response=None, credentials=None):
    """django-axes: too many failed logins for this username from this address."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME * 60)) if settings.AXES_COOLOFF_TIME else None
    return render(
        request,
        "org/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )
