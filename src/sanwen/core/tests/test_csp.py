"""Staff pages get the strict Content-Security-Policy; no template carries what it would block."""

import re
from pathlib import Path

from django.urls import reverse

from sanwen.core.access import Role
from sanwen.core.csp import STAFF_CSP

TEMPLATES = Path(__file__).resolve().parents[2]


def test_staff_pages_and_the_login_get_the_strict_policy(client, world):
    assert client.get(reverse("login"))["Content-Security-Policy"] == STAFF_CSP
    client.force_login(world.a.users[Role.LEADER])
    for name in ("home", "client_list", "dashboard", "password_change"):
        policy = client.get(reverse(name))["Content-Security-Policy"]
        assert policy == STAFF_CSP
    for directive in ("default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'"):
        assert directive in STAFF_CSP


def test_the_admin_gets_the_strict_policy_too(client, world):
    client.force_login(world.operator)
    assert client.get("/admin/")["Content-Security-Policy"] == STAFF_CSP


def test_no_template_has_inline_script_handlers_or_style_attributes():
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/(ld\+)?json)[^>]*>", re.I)
    handler = re.compile(r"\son[a-z]+\s*=", re.I)
    style = re.compile(r"\sstyle\s*=", re.I)
    found = []
    for path in TEMPLATES.rglob("templates/**/*.html"):
        text = path.read_text()
        for pattern in (inline_script, handler, style, re.compile(r"<style", re.I)):
            found += [f"{path.relative_to(TEMPLATES)}: {m.group(0)}" for m in pattern.finditer(text)]
    assert found == []
