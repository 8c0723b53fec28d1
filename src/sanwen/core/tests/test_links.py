"""Links reversed once (core.links) are exactly what Django's reverse gives: for every view of the
URLconf that takes no argument, for every view that takes one integer key with any key, under another
URLconf and under a script prefix; a name that does not exist fails as {% url %} fails."""

import pytest
from django.test import override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse, set_script_prefix
from hypothesis import given
from hypothesis import strategies as st

from sanwen.core.links import LINKS, link, record_link


def _names(resolver=None, namespace=""):
    """(name, number of arguments) of every named view of the URLconf."""
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _names(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}", entry.pattern.regex.groups


def test_every_view_without_arguments_links_as_reverse_does():
    plain = [name for name, groups in _names() if groups == 0]
    assert len(plain) > 50, plain
    for name in plain:
        try:
            expected = reverse(name)
        except NoReverseMatch:  # a name whose pattern has arguments some other way
            continue
        assert link(name) == expected == LINKS[name], name


RECORD_PAGES = ["case_detail", "client_detail", "visit_detail", "ledger_detail"]


@given(pk=st.integers(min_value=1, max_value=2**63 - 1), name=st.sampled_from(RECORD_PAGES))
def test_a_record_page_links_as_reverse_does_for_any_key(pk, name):
    assert record_link(name, pk) == reverse(name, args=[pk])


def test_a_key_given_as_text_is_the_same_number():
    assert record_link("case_detail", "42") == reverse("case_detail", args=[42])
    with pytest.raises(ValueError):
        record_link("case_detail", "42/../admin")


def test_a_view_without_one_integer_key_is_refused():
    with pytest.raises((ValueError, NoReverseMatch)):
        record_link("home", 1)


def test_an_unknown_name_fails_as_the_url_tag_does():
    with pytest.raises(NoReverseMatch):
        LINKS["no_such_view"]


def test_another_urlconf_and_a_script_prefix_give_their_own_links():
    assert link("home") == "/"
    with override_settings(ROOT_URLCONF="bench.urls"):
        assert link("home") == reverse("home")
        assert LINKS["home"] == "/"
    set_script_prefix("/sanwen/")
    try:
        assert link("home") == "/sanwen/" == reverse("home")
        assert record_link("case_detail", 7) == "/sanwen/cases/7/" == reverse("case_detail", args=[7])
    finally:
        set_script_prefix("/")
    assert link("home") == "/"
