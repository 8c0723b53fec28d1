"""Writes of the notifications app: a client's consent to SMS, a person's preferences."""

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sanwen.notify.models import Channel, Profile, SmsConsent, Topic


def sms_consent_give(*, case, phone: str) -> SmsConsent | None:
    """The client of `case` agreed to SMS at `phone` (an 11-digit mobile). The worker queues the
    registration SMS, and one each time the case is resolved. Without a phone nothing is recorded."""
    if not phone:
        return None
    consent, _created = SmsConsent.objects.get_or_create(case_id=case.pk, defaults={"phone": phone})
    return consent


def consent_clean(*, agreed: bool, phone: str) -> None:
    if agreed and not phone:
        raise ValidationError(_("To receive SMS, leave a mobile phone number."))


# Channels a person may choose: the bell is always on (it shows everything due).
CHOOSABLE = [Channel.EMAIL, Channel.WECOM, Channel.ROBOT, Channel.SMS]
STAFF_TOPICS = [t for t in Topic if t != Topic.CLIENT]


def profile_save(
    *,
    staff,
    channels: dict[str, list[str]],
    quiet_start: datetime.time | None,
    quiet_end: datetime.time | None,
    version: int | None = None,
) -> Profile:
    """Save what `staff` receives where. A form opened before another save (version) is refused."""
    unknown = {t for t in channels if t not in Topic.values} | {
        c for chosen in channels.values() for c in chosen if c not in CHOOSABLE
    }
    if unknown:
        raise ValidationError(
            _("Unknown kinds of notice or channels: %(x)s") % {"x": ", ".join(sorted(unknown))}
        )
    if (quiet_start is None) != (quiet_end is None):
        raise ValidationError(_("Give both ends of the quiet hours, or neither (the default 22:00–07:00)."))
    with transaction.atomic():
        profile, created = Profile.objects.select_for_update().get_or_create(staff=staff)
        if not created and version is not None and profile.version != version:
            raise ValidationError(
                _("These preferences were changed meanwhile; the form shows them now."), code="stale"
            )
        profile.channels = {t: list(dict.fromkeys(c)) for t, c in channels.items()}
        profile.quiet_start, profile.quiet_end = quiet_start, quiet_end
        profile.save(update_fields=["channels", "quiet_start", "quiet_end"])
        Profile.objects.filter(pk=profile.pk).update(version=F("version") + 1)
        profile.refresh_from_db()
    return profile
