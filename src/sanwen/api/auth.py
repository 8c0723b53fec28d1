"""Who calls the API: a browser session (a person) or an API key (a service identity of a bureau)."""

import copy
import datetime
import hashlib
import secrets
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from sanwen.api.models import ApiKey, ApiKeyUse
from sanwen.core.access import SERVICE_CAPS, SERVICE_ROLE, Cap
from sanwen.core.models import RateCounter

TOKEN_PREFIX = "sw_"  # noqa: S105 — a marker, not a secret
# What a key reads with as its bureau's service identity; every other capability a key may have
# is a write, signed by the staff member the key acts for.
READ_CAPS = frozenset(
    {Cap.VIEW_CLIENTS, Cap.VIEW_CASES, Cap.VIEW_FIELDWORK, Cap.VIEW_SCORECARD, Cap.VIEW_ALL_NOTEBOOKS}
)
WRITE_CAPS = SERVICE_CAPS - READ_CAPS


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_token() -> tuple[str, str, str]:
    """(token, prefix, digest): the token is shown once; prefix and digest are stored."""
    prefix = secrets.token_hex(5)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    return token, prefix, digest(token)


@dataclass
class KeyIdentity:
    """An API key as the access policy sees it: its bureau, the service role and the key's chosen
    capabilities. It is nobody: pk 0 matches no person's rows (own notebooks, own commitments)."""

    key: ApiKey
    caps: frozenset = field(default_factory=frozenset)
    role: str = SERVICE_ROLE
    pk: int = 0
    id: int = 0
    is_authenticated: bool = True
    is_active: bool = True
    is_superuser: bool = False
    is_staff: bool = False
    department_id: None = None
    department: None = None
    rank: str = ""
    username: str = ""
    name: str = ""

    @property
    def bureau_id(self):
        return self.key.bureau_id

    @property
    def bureau(self):
        return self.key.bureau

    def __str__(self):
        return str(self.key)


def find_key(token: str) -> ApiKey | None:
    if not token.startswith(TOKEN_PREFIX) or token.count("_") < 2:
        return None
    prefix = token[len(TOKEN_PREFIX) :].split("_", 1)[0]
    key = ApiKey.objects.select_related("bureau", "acts_for").filter(prefix=prefix).first()
    if key is None or not secrets.compare_digest(key.digest, digest(token)) or not key.active:
        return None
    return key


def key_rate_wait(key: ApiKey, now: datetime.datetime | None = None) -> int:
    """Count one request of the key in this minute; 0 when allowed, else seconds to wait."""
    now = now or timezone.now()
    epoch = int(now.timestamp())
    window = datetime.datetime.fromtimestamp(epoch - epoch % 60, tz=datetime.UTC)
    counter = RateCounter.objects.filter(scope="api_key:60", key=key.prefix, window=window)
    with transaction.atomic():
        if not counter.update(hits=F("hits") + 1):
            try:
                with transaction.atomic():
                    RateCounter.objects.create(scope="api_key:60", key=key.prefix, window=window, hits=1)
            except IntegrityError:
                counter.update(hits=F("hits") + 1)
            RateCounter.objects.filter(
                scope="api_key:60", key=key.prefix, window__lt=now - datetime.timedelta(hours=1)
            ).delete()
        hits = counter.values_list("hits", flat=True).first() or 0
    if hits > key.rate_per_minute:
        return int((window + datetime.timedelta(seconds=60) - now).total_seconds()) + 1
    return 0


def record_use(key: ApiKey, request, status: int) -> None:
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, uses=F("uses") + 1)
    ApiKeyUse.objects.create(
        key=key, at=now, method=request.method[:8], path=request.path[:300], status=status
    )


def writer(user):
    """Who signs a write: the logged-in person, or the staff member an API key acts for — with the
    capabilities both have (the key's bound the person's, see `access.has_cap`), so the audit trail
    and the case's timeline name a person. A key that acts for nobody only reads."""
    if getattr(user, "role", None) != SERVICE_ROLE:
        return user
    key = user.key
    person = key.acts_for
    if person is None:
        raise PermissionDenied(
            _("This API key only reads: to write, an administrator makes a key that acts for a staff member.")
        )
    if not person.is_active or person.bureau_id != key.bureau_id:
        raise PermissionDenied(
            _(
                "The staff member this API key acts for may no longer sign: ask an administrator for a new key."
            )
        )
    signer = copy.copy(person)
    signer.api_key_caps = frozenset(key.caps) & SERVICE_CAPS
    return signer


class RateLimited(Exception):
    def __init__(self, wait: int):
        super().__init__(wait)
        self.wait = wait


class KeyAuth(HttpBearer):
    """`Authorization: Bearer sw_…`: an active key of a bureau, counted against its rate limit."""

    openapi_description = "API key made by a bureau's administrator (shown once when made)."

    def authenticate(self, request, token):
        key = find_key(token)
        if key is None:
            return None
        request.api_key = key
        wait = key_rate_wait(key)
        if wait:
            raise RateLimited(wait)
        identity = KeyIdentity(key=key, caps=frozenset(key.caps))
        request.user = identity
        return identity


class StaffSession(SessionAuth):
    """The browser session of a logged-in person (writes also need the CSRF token)."""
