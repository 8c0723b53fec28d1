"""API keys: made by a bureau's administrator, shown once, stored hashed, revocable; audited."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from sanwen.api.auth import WRITE_CAPS, new_token
from sanwen.api.models import ApiKey
from sanwen.core.access import SERVICE_CAPS, Cap, has_cap
from sanwen.core.audit import audit_note, audit_update, snapshot
from sanwen.core.models import AuditAction
from sanwen.core.text import clean_spaces

MAX_DAYS = 366
MAX_RATE = 6000


def api_key_create(
    *, by, name: str, caps, expires_on: datetime.date, acts_for=None, rate_per_minute: int = 120
) -> tuple[ApiKey, str]:
    """A new key of the administrator's bureau; returns it and its token (shown this once only).
    A key that may write acts for a named staff member of the bureau, who must hold every write
    capability chosen: what the key writes is signed by that person."""
    if not has_cap(by, Cap.ADMINISTER) or by.bureau_id is None:
        raise PermissionDenied(_("Only a bureau's administrator may make API keys."))
    errors: dict[str, list] = {}
    name = clean_spaces(name or "")
    if not name:
        errors["name"] = [_("Name the integration the key is for.")]
    caps = sorted(set(caps or ()))
    if not caps:
        errors["caps"] = [_("Choose at least one capability.")]
    elif any(cap not in SERVICE_CAPS for cap in caps):
        errors["caps"] = [_("An API key cannot have this capability.")]
    writes = [cap for cap in caps if cap in WRITE_CAPS]
    if acts_for is not None and (acts_for.bureau_id != by.bureau_id or not acts_for.is_active):
        errors["acts_for"] = [_("Choose an active staff member of this bureau.")]
    elif writes and acts_for is None:
        errors["acts_for"] = [
            _("A key that writes acts for a staff member: choose who signs what it writes.")
        ]
    elif acts_for is not None and "caps" not in errors:
        missing = [str(Cap(cap).label) for cap in writes if not has_cap(acts_for, cap)]
        if missing:
            errors["caps"] = [
                _("%(name)s may not do this, so the key may not either: %(caps)s.")
                % {"name": acts_for.name or acts_for.username, "caps": "、".join(missing)}
            ]
    if not isinstance(rate_per_minute, int) or not 1 <= rate_per_minute <= MAX_RATE:
        errors["rate_per_minute"] = [_("Between 1 and %(n)d requests a minute.") % {"n": MAX_RATE}]
    today = timezone.localdate()
    if expires_on is None or expires_on <= today or (expires_on - today).days > MAX_DAYS:
        errors["expires_on"] = [_("A key expires after today and within a year.")]
    if errors:
        raise ValidationError(errors)
    token, prefix, digest = new_token()
    expires_at = timezone.make_aware(datetime.datetime.combine(expires_on, datetime.time.max))
    key = ApiKey.objects.create(
        bureau_id=by.bureau_id,
        name=name,
        prefix=prefix,
        digest=digest,
        caps=caps,
        expires_at=expires_at,
        created_by=by,
        acts_for=acts_for,
        rate_per_minute=rate_per_minute,
    )
    # The digest stays out of the audit trail: the fields a reader needs, not the secret's hash.
    changes = {
        "name": [None, key.name],
        "prefix": [None, key.prefix],
        "caps": [None, caps],
        "expires_at": [None, key.expires_at.isoformat()],
        "acts_for": [None, acts_for.pk if acts_for is not None else None],
        "rate_per_minute": [None, rate_per_minute],
    }
    audit_note(by=by, obj=key, action=AuditAction.CREATE, note=_("API key made"), changes=changes)
    return key, token


def api_key_revoke(*, key: ApiKey, by) -> ApiKey:
    if not has_cap(by, Cap.ADMINISTER) or key.bureau_id != by.bureau_id:
        raise PermissionDenied
    if key.revoked_at is None:
        before = snapshot(key, ["revoked_at"])
        key.revoked_at = timezone.now()
        key.save(update_fields=["revoked_at", "updated_at"])
        audit_update(by=by, obj=key, before=before, note=_("API key revoked"))
    return key
