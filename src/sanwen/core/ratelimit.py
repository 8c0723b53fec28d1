"""Per-address rate limits for the public portal, counted in the database so that every worker
process of the server shares them. Fixed windows: the count of an address in the current window
(e.g. this hour) against the limit. Addresses are kept only as a keyed hash; an IPv6 address counts
by its /64 network (one household's router hands out many addresses of it)."""

import datetime
import hashlib
import hmac
import ipaddress

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from sanwen.core.models import RateCounter


def client_address(request) -> str:
    """The visitor's address; behind a reverse proxy, the address the proxy appended last."""
    address = request.META.get("REMOTE_ADDR", "") or ""
    if settings.BEHIND_PROXY:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
        forwarded = [part for part in forwarded if part]
        if forwarded:
            address = forwarded[-1]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address or "unknown"
    if ip.version == 6 and not ip.ipv4_mapped:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


def _key(address: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), address.encode(), hashlib.sha256).hexdigest()


def _window(now: datetime.datetime, seconds: int) -> datetime.datetime:
    epoch = int(now.timestamp())
    return datetime.datetime.fromtimestamp(epoch - epoch % seconds, tz=datetime.UTC)


def hit(request, scope: str) -> int:
    """Count one attempt of the visitor at `scope`. Returns 0 when it is allowed, else the seconds
    until it will be again. The limits are settings.PORTAL_RATE_LIMITS[scope]: (attempts, seconds)
    pairs, e.g. 5 an hour and 20 a day."""
    limits = settings.PORTAL_RATE_LIMITS.get(scope, [])
    key = _key(client_address(request))
    now = timezone.now()
    wait = 0
    for attempts, seconds in limits:
        name = f"{scope}:{seconds}"
        window = _window(now, seconds)
        counter = RateCounter.objects.filter(scope=name, key=key, window=window)
        with transaction.atomic():
            if not counter.update(hits=F("hits") + 1):
                try:
                    with transaction.atomic():
                        RateCounter.objects.create(scope=name, key=key, window=window, hits=1)
                except IntegrityError:  # another request of the same address created it meanwhile
                    counter.update(hits=F("hits") + 1)
                # An address's first hit in a window clears its windows older than a day.
                RateCounter.objects.filter(key=key, window__lt=now - datetime.timedelta(days=1)).delete()
            if counter.values_list("hits", flat=True).first() > attempts:
                ends = window + datetime.timedelta(seconds=seconds)
                wait = max(wait, int((ends - now).total_seconds()) + 1)
    return wait


def refund(request, scope: str) -> None:
    """Take back the visitor's last attempt at `scope`: a submission refused for what it contains (a
    form error, a photo that is not one) costs nothing, so a farmer who mistyped is not locked out.
    Call it only after `hit` for the same request."""
    key = _key(client_address(request))
    now = timezone.now()
    for _attempts, seconds in settings.PORTAL_RATE_LIMITS.get(scope, []):
        RateCounter.objects.filter(
            scope=f"{scope}:{seconds}", key=key, window=_window(now, seconds), hits__gt=0
        ).update(hits=F("hits") - 1)
