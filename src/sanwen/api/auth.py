"""Who calls the API: a browser session (a person) or an API key (a service identity of a bureau)."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from sanwen.api.models import ApiKey, ApiKeyUse
from sanwen.core.access import SERVICE_ROLE
from sanwen.core.models import RateCounter

TOKEN_PREFIX = "sw_"  # noqa: S105 — a marker, not a secret
# Requests a key may make in a minute; over it the API answers 429.
KEY_RATE_PER_MINUTE = 120


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
    key = ApiKey.objects.select_related("bureau").filter(prefix=prefix).first()
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
    if hits > KEY_RATE_PER_MINUTE:
        return int((window + datetime.timedelta(seconds=60) - now).total_seconds()) + 1
    return 0


def record_use(key: ApiKey, request, status: int) -> None:
    now = timezone.now()
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now, uses=F("uses") + 1)
    ApiKeyUse.objects.create(
        key=key, at=now, method=request.method[:8], path=request.path[:300], status=status
    )


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
