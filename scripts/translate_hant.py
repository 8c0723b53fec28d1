"""Derive the Traditional Chinese catalogue from the Simplified one with OpenCC (s2t).

Run by `make messages` after makemessages; the Simplified catalogue is the one people edit."""

import re
from pathlib import Path

from opencc import OpenCC

LOCALE = Path(__file__).resolve().parent.parent / "src" / "sanwen" / "locale"
SOURCE = LOCALE / "zh_Hans" / "LC_MESSAGES" / "django.po"
TARGET = LOCALE / "zh_Hant" / "LC_MESSAGES" / "django.po"


def convert(text: str) -> str:
    to_traditional = OpenCC("s2t")
    out, in_msgstr = [], False
    for line in text.splitlines(keepends=True):
        if line.startswith("msgstr"):
            in_msgstr = True
        elif not line.startswith('"'):
            in_msgstr = False
        if in_msgstr:
            line = re.sub(r'"(.*)"', lambda m: '"' + to_traditional.convert(m.group(1)) + '"', line, count=1)
        out.append(line)
    return "".join(out).replace('"Language: zh_Hans\\n"', '"Language: zh_Hant\\n"')


if __name__ == "__main__":
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    TARGET.write_text(convert(SOURCE.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {TARGET.relative_to(LOCALE.parent.parent.parent)}")
