import os

import pytest
from django.db import connections
from django.test import TransactionTestCase
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from sanwen.core.append_only import protect, unprotect

_flush = TransactionTestCase._fixture_teardown


def _fixture_teardown(self):
    """Transactional tests (the browser tests' live server) end by erasing the test database, audit
    trail included, which its triggers refuse: lift them for that erase only, then put them back."""
    aliases = self._databases_names(include_mirrors=False)
    for alias in aliases:
        unprotect(connections[alias])
    try:
        _flush(self)
    finally:
        for alias in aliases:
            protect(connections[alias])


TransactionTestCase._fixture_teardown = _fixture_teardown

# Property tests: no per-example deadline (a two-core machine running the suite in parallel is slow
# now and then), and in CI the same examples every run, so a landing never hinges on a new draw;
# locally each run explores new ones.
hypothesis_settings.register_profile(
    "sanwen",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=bool(os.environ.get("CI")),
)
hypothesis_settings.load_profile("sanwen")


@pytest.fixture(autouse=True)
def _default_language(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded photos and reports go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    from sanwen.testing import build_world

    return build_world()
