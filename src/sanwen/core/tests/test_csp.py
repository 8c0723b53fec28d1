"""Staff pages get the strict Content-Security-Policy; no template carries what it would block."""

import re
from pathlib import Path

from django.urls import reverse

from sanwen.core.access import Role
from sanwen.core.csp import STAFF_CSP

SOURCE = Path(__file__).resolve().parents[2]


def test_staff_pages_and_the_login_get_the_strict_policy(client, world):
    assert client.get(reverse("login"))["Content-Security-Policy"] == STAFF_CSP
    client.force_login(world.a.users[Role.LEADER])
    for name in ("home", "client_list", "dashboard", "password_change"):
        assert client.get(reverse(name))["Content-Security-Policy"] == STAFF_CSP
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"):
        assert directive in STAFF_CSP


def test_the_admin_gets_the_strict_policy_too(client, world):
    client.force_login(world.operator)
    assert client.get("/admin/")["Content-Security-Policy"] == STAFF_CSP


def test_no_template_has_inline_script_event_handlers_or_style():
    patterns = [
        re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),  # json_script's data blocks are not in templates
        re.compile(r"\son[a-z]+\s*=", re.I),
        re.compile(r"\sstyle\s*=", re.I),
        re.compile(r"<style", re.I),
        re.compile(r"javascript:", re.I),
    ]
    found = [
        f"{path.relative_to(SOURCE)}: {match.group(0)}"
        for path in SOURCE.glob("*/templates/**/*.html")
        for pattern in patterns
        for match in pattern.finditer(path.read_text())
    ]
    found += [
        f"{path.relative_to(SOURCE)}: {match.group(0)}"
        for path in (SOURCE / "templates").rglob("*.html")
        for pattern in patterns
        for match in pattern.finditer(path.read_text())
    ]
    assert found == []
