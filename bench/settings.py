"""The product's settings with two measuring views added (bench.urls): the page benchmark's server."""

from sanwen.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
