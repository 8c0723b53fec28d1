import pytest


@pytest.fixture(autouse=True)
def _default_language(settings):
    settings.LANGUAGE_CODE = "zh-hans"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Uploaded photos and reports go to the test's own directory."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(db):
    from sanwen.core.testing import build_world

    return build_world()
