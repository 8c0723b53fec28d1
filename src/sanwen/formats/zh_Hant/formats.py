# Traditional Chinese shows dates as simplified does (2026年11月30日): one definition, read from there.
from sanwen.formats.zh_Hans.formats import *  # noqa: F403
