"""Each person's notification preferences; the delivery log for a bureau's administrators (where
and how each message went, never its text)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sanwen.core.access import Cap, has_cap, visible
from sanwen.core.pagination import paginate
from sanwen.core.text import mask_phone
from sanwen.notify import services
from sanwen.notify.forms import LogFilterForm, PreferencesForm
from sanwen.notify.models import Attempt, Channel, Message, Profile
from sanwen.notify.outbox import channels_for, quiet_hours


@login_required
def preferences(request):
    profile = visible(Profile.objects.all(), request.user).first()
    chosen = {topic.value: channels_for(profile, topic.value) for topic in services.STAFF_TOPICS}
    start, end = quiet_hours(profile)
    form = PreferencesForm(
        request.POST or None,
        chosen=chosen,
        initial={
            "quiet_start": profile.quiet_start if profile else None,
            "quiet_end": profile.quiet_end if profile else None,
            "version": profile.version if profile else None,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_save(
                staff=request.user,
                channels=form.channels(),
                quiet_start=form.cleaned_data["quiet_start"],
                quiet_end=form.cleaned_data["quiet_end"],
                version=form.cleaned_data["version"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Your notification preferences were saved."))
            return redirect("notify_preferences")
    addresses = {
        Channel.EMAIL: request.user.email,
        Channel.WECOM: request.user.wecom_userid,
        Channel.SMS: mask_phone(request.user.phone) if request.user.phone else "",
        Channel.ROBOT: request.user.department.wecom_group if request.user.department_id else "",
    }
    return render(
        request,
        "notify/preferences.html",
        {
            "form": form,
            "quiet": (start, end),
            "addresses": [(c.label, addresses[c]) for c in services.CHOOSABLE],
        },
        status=400 if request.method == "POST" else 200,
    )


def _shown_address(message) -> str:
    return mask_phone(message.address) if message.channel == Channel.SMS else message.address


@login_required
def delivery_log(request):
    if not has_cap(request.user, Cap.ADMINISTER):
        raise PermissionDenied
    form = LogFilterForm(request.GET or None)
    rows = visible(Message.objects.select_related("recipient"), request.user)
    if form.is_valid():
        if form.cleaned_data["status"]:
            rows = rows.filter(status=form.cleaned_data["status"])
        if form.cleaned_data["channel"]:
            rows = rows.filter(channel=form.cleaned_data["channel"])
    rows = rows.only(
        "id",
        "channel",
        "address",
        "topic",
        "status",
        "attempts",
        "created_at",
        "sent_at",
        "last_code",
        "recipient__name",
        "recipient__username",
        "not_before",
    ).prefetch_related(Prefetch("log", queryset=Attempt.objects.order_by("-at", "-id")))
    page, query = paginate(request, rows)
    for message in page:
        message.shown_address = _shown_address(message)
    return render(request, "notify/log.html", {"page": page, "query": query, "form": form})
