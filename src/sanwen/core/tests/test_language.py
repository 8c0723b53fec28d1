import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from sanwen.core.access import Role

LOCALE = Path(__file__).resolve().parents[2] / "locale"


def catalogue(language: str) -> list[tuple[str, str, bool]]:
    """(msgid, msgstr, is_plural) of each entry in the .po file."""
    text = (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8")
    entries = []
    for block in text.split("\n\n")[1:]:

        def joined(keyword, block=block):
            match = re.search(rf"^{re.escape(keyword)} ((?:\".*\"\n?)+)", block + "\n", re.M)
            return (
                "".join(ast.literal_eval(part) for part in re.findall(r'^(".*")$', match.group(1), re.M))
                if match
                else None
            )

        msgid = joined("msgid")
        if msgid is None:
            continue
        context = joined("msgctxt")  # a message with a context (姓名 for a person's "name") is keyed by it
        if context is not None:
            msgid = f"{context}\x04{msgid}"
        plural = joined("msgstr[0]")
        entries.append((msgid, plural if plural is not None else joined("msgstr"), plural is not None))
    return entries


def _translated(msgid: str) -> str:
    if "\x04" in msgid:
        return translation.pgettext(*msgid.split("\x04", 1))
    return translation.gettext(msgid)


@pytest.mark.parametrize("language", ["zh_Hans", "zh_Hant"])
def test_every_message_is_translated_and_compiled(language):
    entries = catalogue(language)
    assert len(entries) > 300
    untranslated = [msgid for msgid, msgstr, _ in entries if not msgstr]
    assert untranslated == []
    with translation.override(language.lower().replace("_", "-")):
        stale = [msgid for msgid, msgstr, plural in entries if not plural and _translated(msgid) != msgstr]
    assert stale == [], "run `make messages` to recompile the catalogue"


def test_pages_are_in_simplified_chinese_by_default(client, world):
    client.force_login(world.a.users[Role.STAFF])
    html = client.get(reverse("client_list")).content.decode()
    assert "客户" in html and "卷烟零售户" in html and 'lang="zh-hans"' in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", ["Clients", "Cigarette retailer"]), ("zh-hant", ["客戶", "捲菸零售戶"])],
)
def test_english_and_traditional_chinese_can_be_chosen(client, world, language, expected):
    client.force_login(world.a.users[Role.STAFF])
    client.post(reverse("set_language"), {"language": language, "next": "/clients/"})
    html = client.get(reverse("client_list")).content.decode()
    for text in expected:
        assert text in html


def test_validation_messages_follow_the_language(world):
    from django.core.exceptions import ValidationError

    from sanwen.core.text import validate_mobile

    with translation.override("zh-hans"), pytest.raises(ValidationError, match="手机号码为 11 位"):
        validate_mobile("123")
    with translation.override("en"), pytest.raises(ValidationError, match="11 digits"):
        validate_mobile("123")


def test_a_browser_set_up_in_english_still_gets_chinese_until_the_user_chooses(client, world):
    client.force_login(world.a.users[Role.STAFF])
    html = client.get(reverse("client_list"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "客户" in html and "Clients" not in html
