"""Links reversed once per process instead of on every render. A page's navigation names twenty views
and a list of fifty cases links each row to its case: Django's `reverse` matches the view's patterns
for each of them (about 25 µs a link, 3 ms of a staff member's case list on the province). The URLs do
not change while the process runs, so each view's is worked out once — for a record's page, once with
a probe number, whose place in the path then takes each record's key — and kept per URLconf and
script prefix (tests that swap the URLconf, a deployment under a sub-path)."""

import functools

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

# A key no table reaches, found once in the reversed path to split it around.
_PROBE = 918273645546372819


@functools.lru_cache(maxsize=512)
def _reversed(name: str, urlconf: str, prefix: str) -> str:
    return reverse(name, urlconf=urlconf)


@functools.lru_cache(maxsize=256)
def _around_key(name: str, urlconf: str, prefix: str) -> tuple[str, str]:
    path = reverse(name, args=[_PROBE], urlconf=urlconf)
    head, found, tail = path.partition(str(_PROBE))
    if not found or str(_PROBE) in tail:
        raise ValueError(f"{name} does not take one integer key")
    return head, tail


def _where() -> tuple[str, str]:
    return get_urlconf() or settings.ROOT_URLCONF, get_script_prefix()


def link(name: str) -> str:
    """The path of a view that takes no argument: reverse(name), worked out once."""
    return _reversed(name, *_where())


def record_link(name: str, pk) -> str:
    """The path of a view that takes one integer key (a record's page): reverse(name, args=[pk])."""
    key = int(pk)
    if key < 0:  # as reverse refuses it: the path's integer takes digits only
        raise ValueError(f"{name} takes a key of digits, not {key}")
    head, tail = _around_key(name, *_where())
    return f"{head}{key}{tail}"


class Links:
    """The templates' `links`: `{{ links.my_cases }}` is `{% url 'my_cases' %}`, reversed once."""

    def __getitem__(self, name: str) -> str:
        return link(name)


LINKS = Links()
