"""Channel adapters: one message to one provider, and what came back.

Each adapter follows its provider's documented request and answer:
- WeCom application message: GET /cgi-bin/gettoken?corpid&corpsecret → access_token (7200 s), then
  POST /cgi-bin/message/send?access_token=… {"touser", "msgtype": "text", "agentid", "text"}; the
  answer's errcode (0 = ok; 40014/42001/40001: the token is bad or expired), `invaliduser` for unknown
  user ids.
- WeCom group robot: POST /cgi-bin/webhook/send?key=… {"msgtype": "text", "text": {"content"}}, text
  at most 2,048 bytes, 20 messages a minute per robot (errcode 45009 beyond).
- Alibaba Cloud SMS: the RPC API SendSms (Version 2017-05-25) with the HMAC-SHA1 signature of
  signature version 1.0; the answer's Code ("OK", or e.g. isv.BUSINESS_LIMIT_CONTROL).
- Tencent Cloud SMS: SendSms (Version 2021-01-11) signed with TC3-HMAC-SHA256; Response.Error.Code on
  a refused request, SendStatusSet[].Code ("Ok") per number.

An answer is a Delivery: sent, or failed with the provider's code and whether trying again may help.
Nothing here writes to the database. Credentials come from settings (the environment) and never
appear in a Delivery's detail (scrub)."""

import base64
import datetime
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from sanwen.notify.models import Channel


@dataclass
class Delivery:
    ok: bool
    code: str = ""
    detail: str = ""
    retry: bool = True  # a failure worth trying again (an outage, a limit), not a bad address
    retry_after: int | None = None  # seconds, when the provider says how long to wait


class NotConfigured(Exception):
    pass


def secrets() -> list[str]:
    values = [
        settings.WECOM_SECRET,
        settings.ALIYUN_SMS_ACCESS_KEY_SECRET,
        settings.TENCENT_SMS_SECRET_KEY,
        *settings.WECOM_ROBOT_KEYS.values(),
        *_token_cache.values(),
    ]
    return [v for v in values if isinstance(v, str) and len(v) >= 4]


def scrub(text: str) -> str:
    """The text without any credential or token it might echo, cut to what the log keeps."""
    text = str(text)
    for secret in secrets():
        text = text.replace(secret, "***")
    return text[:300]


def _opener():
    proxy = settings.NOTIFY_PROXY
    return urllib.request.build_opener(
        urllib.request.ProxyHandler({"http": proxy, "https": proxy} if proxy else {})
    )


def _http(
    method: str, url: str, *, body: bytes | None = None, headers: dict | None = None
) -> tuple[int, bytes]:
    if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
        raise ValueError("provider addresses are http or https")
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})  # noqa: S310
    try:
        with _opener().open(request, timeout=settings.NOTIFY_HTTP_TIMEOUT) as response:
            return response.status, response.read(1_000_000)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(100_000) if exc.fp else b""


def _json(status: int, raw: bytes) -> dict | None:
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _transport_failure(exc: Exception) -> Delivery:
    return Delivery(False, code=type(exc).__name__, detail=scrub(exc))


def _http_failure(status: int, raw: bytes) -> Delivery:
    return Delivery(False, code=f"HTTP {status}", detail=scrub(raw[:300].decode("utf-8", "replace")))


def cut_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut on a character and marked with an ellipsis when cut."""
    raw = text.encode("utf-8")
    if len(raw) <= limit:
        return text
    ellipsis = "…"
    room = limit - len(ellipsis.encode("utf-8"))
    return raw[:room].decode("utf-8", "ignore") + ellipsis


# E-mail ----------------------------------------------------------------------------------------------


def send_email(message) -> Delivery:
    try:
        with get_connection(fail_silently=False) as connection:
            EmailMessage(
                subject=message.subject,
                body=message.body,
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[message.address],
                connection=connection,
            ).send()
    except Exception as exc:  # noqa: BLE001 - any failure of the mail server is a failed try
        return _transport_failure(exc)
    return Delivery(True)


# WeCom -----------------------------------------------------------------------------------------------

_token_cache: dict[str, str] = {}
_token_expiry: dict[str, float] = {}
# errcode values that say the token is bad or expired: fetch a new one.
WECOM_TOKEN_CODES = {40001, 40014, 42001}
# errcode values about the message itself (bad user id, empty or too long text, unknown agent):
# trying again cannot help. Anything else (-1 busy, 45009 limits, 5xx) is tried again.
WECOM_PERMANENT = {40003, 40008, 40056, 41002, 41004, 44004, 45002, 60111, 81013, 301002}


def _wecom_token(force: bool = False) -> str:
    if not (settings.WECOM_CORP_ID and settings.WECOM_SECRET and settings.WECOM_AGENT_ID):
        raise NotConfigured("WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_SECRET")
    cache_key = settings.WECOM_CORP_ID
    if not force and _token_expiry.get(cache_key, 0) > time.monotonic():
        return _token_cache[cache_key]
    query = urllib.parse.urlencode({"corpid": settings.WECOM_CORP_ID, "corpsecret": settings.WECOM_SECRET})
    status, raw = _http("GET", f"{settings.WECOM_API_BASE}/cgi-bin/gettoken?{query}")
    data = _json(status, raw)
    if status != 200 or not data or data.get("errcode", 0) != 0 or not data.get("access_token"):
        if status != 200 or not data:
            raise WeComError(f"HTTP {status}", scrub(raw[:300].decode("utf-8", "replace")))
        raise WeComError(str(data.get("errcode", "")), scrub(data.get("errmsg", "")))
    _token_cache[cache_key] = data["access_token"]
    # Renewed a little early, so a token never expires in flight.
    _token_expiry[cache_key] = time.monotonic() + max(int(data.get("expires_in", 7200)) - 300, 60)
    return data["access_token"]


class WeComError(Exception):
    def __init__(self, code: str, detail: str):
        super().__init__(detail)
        self.code, self.detail = code, detail


def _wecom_answer(status: int, raw: bytes) -> Delivery:
    data = _json(status, raw)
    if status != 200 or data is None:
        return _http_failure(status, raw)
    errcode = data.get("errcode", -1)
    if errcode == 0:
        invalid = data.get("invaliduser") or ""
        if invalid:
            return Delivery(False, code="invaliduser", detail=scrub(f"invaliduser {invalid}"), retry=False)
        return Delivery(True)
    code = str(errcode)
    detail = scrub(data.get("errmsg", ""))
    if errcode in WECOM_PERMANENT:
        return Delivery(False, code=code, detail=detail, retry=False)
    return Delivery(False, code=code, detail=detail, retry_after=60 if errcode == 45009 else None)


def send_wecom(message) -> Delivery:
    text = cut_bytes(f"{message.subject}\n{message.body}", settings.WECOM_TEXT_MAX_BYTES)
    payload = {
        "touser": message.address,
        "msgtype": "text",
        "agentid": int(settings.WECOM_AGENT_ID) if str(settings.WECOM_AGENT_ID).isdigit() else 0,
        "text": {"content": text},
        "safe": 0,
    }
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    try:
        for attempt in (0, 1):
            token = _wecom_token(force=attempt == 1)
            status, raw = _http(
                "POST",
                f"{settings.WECOM_API_BASE}/cgi-bin/message/send?access_token={urllib.parse.quote(token)}",
                body=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            data = _json(status, raw)
            if attempt == 0 and data and data.get("errcode") in WECOM_TOKEN_CODES:
                continue  # the token expired early: fetch a new one once
            return _wecom_answer(status, raw)
    except NotConfigured as exc:
        return Delivery(False, code="not configured", detail=f"{exc}")
    except WeComError as exc:
        return Delivery(False, code=exc.code, detail=exc.detail)
    except OSError as exc:
        return _transport_failure(exc)
    return Delivery(False, code="token", detail="the token was refused twice")


def send_robot(message) -> Delivery:
    key = settings.WECOM_ROBOT_KEYS.get(message.address)
    if not key:
        return Delivery(False, code="not configured", detail=f"no key for the group robot {message.address}")
    text = cut_bytes(f"{message.subject}\n{message.body}", settings.WECOM_TEXT_MAX_BYTES)
    body = json.dumps({"msgtype": "text", "text": {"content": text}}, ensure_ascii=False).encode("utf-8")
    try:
        status, raw = _http(
            "POST",
            f"{settings.WECOM_API_BASE}/cgi-bin/webhook/send?key={urllib.parse.quote(key)}",
            body=body,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    except OSError as exc:
        return _transport_failure(exc)
    return _wecom_answer(status, raw)


# SMS -------------------------------------------------------------------------------------------------


def _template_code(message) -> str:
    code = settings.SMS_TEMPLATES.get(message.template)
    if not code:
        raise NotConfigured(f"SMS_TEMPLATES has no template {message.template!r}")
    return code


def _aliyun_quote(value: str) -> str:
    # RFC 3986 as the signature wants it: space %20, * %2A, ~ kept.
    return urllib.parse.quote(str(value), safe="~")


def aliyun_signature(params: dict, secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{_aliyun_quote(k)}={_aliyun_quote(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{_aliyun_quote('/')}&{_aliyun_quote(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


# Codes about the message itself: the number, the template, its parameters or content.
ALIYUN_PERMANENT = {
    "isv.MOBILE_NUMBER_ILLEGAL",
    "isv.MOBILE_COUNT_OVER_LIMIT",
    "isv.TEMPLATE_MISSING_PARAMETERS",
    "isv.INVALID_PARAMETERS",
    "isv.INVALID_JSON_PARAM",
    "isv.PARAM_LENGTH_LIMIT",
    "isv.PARAM_NOT_SUPPORT_URL",
    "isv.SMS_TEMPLATE_ILLEGAL",
    "isv.SMS_SIGNATURE_ILLEGAL",
    "isv.BLACK_KEY_CONTROL_LIMIT",
    "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
}


def send_aliyun(message) -> Delivery:
    if not (settings.ALIYUN_SMS_ACCESS_KEY_ID and settings.ALIYUN_SMS_ACCESS_KEY_SECRET):
        return Delivery(False, code="not configured", detail="ALIYUN_SMS_ACCESS_KEY_ID and _SECRET")
    try:
        template = _template_code(message)
    except NotConfigured as exc:
        return Delivery(False, code="not configured", detail=str(exc))
    params = {
        "AccessKeyId": settings.ALIYUN_SMS_ACCESS_KEY_ID,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": message.address,
        "RegionId": "cn-hangzhou",
        "SignName": settings.ALIYUN_SMS_SIGN_NAME,
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": template,
        "TemplateParam": json.dumps(message.params or {}, ensure_ascii=False),
        "Timestamp": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
        "OutId": str(message.pk),
    }
    params["Signature"] = aliyun_signature(params, settings.ALIYUN_SMS_ACCESS_KEY_SECRET)
    try:
        status, raw = _http(
            "POST",
            settings.ALIYUN_SMS_ENDPOINT,
            body=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
    except OSError as exc:
        return _transport_failure(exc)
    data = _json(status, raw)
    if data is None or "Code" not in data:
        return _http_failure(status, raw)
    if data["Code"] == "OK":
        return Delivery(True, detail=scrub(data.get("BizId", "")))
    code = str(data["Code"])
    return Delivery(
        False, code=code, detail=scrub(data.get("Message", "")), retry=code not in ALIYUN_PERMANENT
    )


def tc3_authorization(
    *, secret_id: str, secret_key: str, host: str, payload: bytes, timestamp: int, service: str = "sms"
) -> str:
    date = datetime.datetime.fromtimestamp(timestamp, datetime.UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload).hexdigest(),
        ]
    )
    scope = f"{date}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def mac(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode("utf-8"), hashlib.sha256).digest()

    signing = mac(mac(mac(f"TC3{secret_key}".encode(), date), service), "tc3_request")
    signature = hmac.new(signing, to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    return f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signature}"


TENCENT_PERMANENT_PREFIXES = ("InvalidParameterValue.", "InvalidParameter.", "UnsupportedOperation.")
TENCENT_PERMANENT = {
    "FailedOperation.PhoneNumberInBlacklist",
    "FailedOperation.TemplateIncorrectOrUnapproved",
    "FailedOperation.SignatureIncorrectOrUnapproved",
    "FailedOperation.ContainSensitiveWord",
    "FailedOperation.MissingTemplateToModify",
    "FailedOperation.PhoneNumberParseFail",
}


def _tencent_failure(code: str, detail: str) -> Delivery:
    permanent = code in TENCENT_PERMANENT or code.startswith(TENCENT_PERMANENT_PREFIXES)
    return Delivery(False, code=code, detail=scrub(detail), retry=not permanent)


def send_tencent(message) -> Delivery:
    if not (
        settings.TENCENT_SMS_SECRET_ID and settings.TENCENT_SMS_SECRET_KEY and settings.TENCENT_SMS_APP_ID
    ):
        return Delivery(False, code="not configured", detail="TENCENT_SMS_SECRET_ID, _SECRET_KEY and _APP_ID")
    try:
        template = _template_code(message)
    except NotConfigured as exc:
        return Delivery(False, code="not configured", detail=str(exc))
    phone = message.address if message.address.startswith("+") else f"+86{message.address}"
    payload = json.dumps(
        {
            "PhoneNumberSet": [phone],
            "SmsSdkAppId": settings.TENCENT_SMS_APP_ID,
            "SignName": settings.TENCENT_SMS_SIGN_NAME,
            "TemplateId": template,
            "TemplateParamSet": [str(v) for v in (message.params or {}).values()],
            "SessionContext": str(message.pk),
        },
        ensure_ascii=False,
    ).encode("utf-8")
    host = urllib.parse.urlsplit(settings.TENCENT_SMS_ENDPOINT).netloc
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": settings.TENCENT_SMS_REGION,
        "X-TC-Timestamp": str(timestamp),
        "Authorization": tc3_authorization(
            secret_id=settings.TENCENT_SMS_SECRET_ID,
            secret_key=settings.TENCENT_SMS_SECRET_KEY,
            host=host,
            payload=payload,
            timestamp=timestamp,
        ),
    }
    try:
        status, raw = _http("POST", settings.TENCENT_SMS_ENDPOINT, body=payload, headers=headers)
    except OSError as exc:
        return _transport_failure(exc)
    data = _json(status, raw)
    response = (data or {}).get("Response")
    if status != 200 or not isinstance(response, dict):
        return _http_failure(status, raw)
    if "Error" in response:
        error = response["Error"] or {}
        return _tencent_failure(str(error.get("Code", "")), error.get("Message", ""))
    statuses = response.get("SendStatusSet") or []
    if not statuses:
        return Delivery(False, code="empty", detail="no SendStatusSet in the answer")
    first = statuses[0]
    if first.get("Code") == "Ok":
        return Delivery(True, detail=scrub(first.get("SerialNo", "")))
    return _tencent_failure(str(first.get("Code", "")), first.get("Message", ""))


def send_sms(message) -> Delivery:
    provider = settings.SMS_PROVIDER
    if provider == "aliyun":
        return send_aliyun(message)
    if provider == "tencent":
        return send_tencent(message)
    return Delivery(False, code="not configured", detail="SMS_PROVIDER is neither aliyun nor tencent")


ADAPTERS = {
    Channel.EMAIL: send_email,
    Channel.WECOM: send_wecom,
    Channel.ROBOT: send_robot,
    Channel.SMS: send_sms,
}


def deliver(message) -> Delivery:
    try:
        return ADAPTERS[message.channel](message)
    except Exception as exc:  # noqa: BLE001 - an adapter's bug must not stop the worker: logged, retried
        return _transport_failure(exc)
