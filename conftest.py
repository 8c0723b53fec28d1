import pytest


@pytest.fixture(autouse=True)
def _default_language(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture
def world(db):
    from sanwen.core.testing import build_world

    return build_world()
