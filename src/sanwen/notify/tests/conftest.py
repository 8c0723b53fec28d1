import pytest

from sanwen.notify import channels
from sanwen.notify.tests import fakes


@pytest.fixture
def providers(settings):
    """The fake providers on a local port, and the settings that point every channel at them."""
    state = fakes.Providers()
    server = fakes.serve(state)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    settings.WECOM_API_BASE = base
    settings.WECOM_CORP_ID, settings.WECOM_AGENT_ID, settings.WECOM_SECRET = (
        fakes.CORP_ID,
        fakes.AGENT_ID,
        fakes.WECOM_SECRET,
    )
    settings.WECOM_ROBOT_KEYS = {"leaf": fakes.ROBOT_KEY}
    settings.ALIYUN_SMS_ENDPOINT = f"{base}/aliyun/"
    settings.ALIYUN_SMS_ACCESS_KEY_ID, settings.ALIYUN_SMS_ACCESS_KEY_SECRET = (
        fakes.ALIYUN_ID,
        fakes.ALIYUN_SECRET,
    )
    settings.ALIYUN_SMS_SIGN_NAME = "钟山烟草"
    settings.TENCENT_SMS_ENDPOINT = f"{base}/tencent/"
    settings.TENCENT_SMS_SECRET_ID, settings.TENCENT_SMS_SECRET_KEY = fakes.TENCENT_ID, fakes.TENCENT_KEY
    settings.TENCENT_SMS_APP_ID, settings.TENCENT_SMS_SIGN_NAME = fakes.TENCENT_APP, "钟山烟草"
    settings.SMS_PROVIDER = "aliyun"
    settings.SMS_TEMPLATES = {
        "alert": "SMS_1001",
        "registered": "SMS_1002",
        "resolved": "SMS_1003",
        "digest": "SMS_1004",
    }
    settings.NOTIFY_BACKOFF_SECONDS = 0  # retries are due at once: the tests run the worker again
    settings.NOTIFY_HTTP_TIMEOUT = 1
    settings.NOTIFY_MAX_ATTEMPTS = 12
    settings.NOTIFY_PROXY = ""
    channels._token_cache.clear()
    channels._token_expiry.clear()
    yield state
    server.shutdown()
    server.server_close()
    channels._token_cache.clear()
    channels._token_expiry.clear()
