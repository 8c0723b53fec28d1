"""A local HTTP server playing WeCom (token, application messages, group robots), Alibaba Cloud SMS
and Tencent Cloud SMS, with their documented request shapes, answers and error codes. It checks
every request as the provider would (token, signature, fields), records what it accepted, and can be
told to fail for a while: HTTP 5xx, the provider's "busy" code, a dropped connection, or no answer
within the timeout — none of which delivers anything.

Its signature checks are written apart from the adapters' (percent-encoding by hand, TC3 from the
documented steps), so a mistake in either shows."""

import base64
import collections
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CORP_ID, AGENT_ID, WECOM_SECRET = "ww-test-corp", "1000002", "wecom-secret-ABCDEF"
ROBOT_KEY = "robot-key-123456"
ALIYUN_ID, ALIYUN_SECRET = "LTAI-test", "aliyun-secret-XYZ987"
TENCENT_ID, TENCENT_KEY, TENCENT_APP = "AKID-test", "tencent-key-QWE321", "1400000001"
PORTS = range(8180, 8190)


def _aliyun_encode(value: str) -> str:
    out = []
    for byte in value.encode("utf-8"):
        ch = chr(byte)
        if ch.isascii() and (ch.isalnum() or ch in "-_.~"):
            out.append(ch)
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def aliyun_expected(params: dict) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in pairs)
    to_sign = "POST&%2F&" + _aliyun_encode(query)
    return base64.b64encode(
        hmac.new((ALIYUN_SECRET + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    ).decode()


def tencent_expected(headers, body: bytes, host: str) -> str:
    ts = int(headers["X-TC-Timestamp"])
    date = time.strftime("%Y-%m-%d", time.gmtime(ts))
    request = (
        "POST\n/\n\n"
        f"content-type:{headers['Content-Type'].lower()}\nhost:{host}\n\n"
        "content-type;host\n" + hashlib.sha256(body).hexdigest()
    )
    scope = f"{date}/sms/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", str(ts), scope, hashlib.sha256(request.encode()).hexdigest()])
    key = ("TC3" + TENCENT_KEY).encode()
    for part in (date, "sms", "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={TENCENT_ID}/{scope}, SignedHeaders=content-type;host, Signature={sig}"
    )


class Providers:
    def __init__(self):
        self.lock = threading.Lock()
        self.failures = collections.defaultdict(list)  # provider → modes for its next requests
        self.accepted = collections.defaultdict(list)  # provider → what it accepted
        self.robot_sends = []  # times the robot accepted a message
        self.robot_limit = 20
        self.rejected = collections.Counter()  # provider → requests refused as malformed
        self.tokens = set()
        self.slow_seconds = 1.3
        self.delay = 0.0  # seconds before each answer

    # --- control ------------------------------------------------------------------------------
    def fail(self, provider: str, *modes: str) -> None:
        with self.lock:
            self.failures[provider].extend(modes)

    def _next_failure(self, provider: str) -> str | None:
        with self.lock:
            return self.failures[provider].pop(0) if self.failures[provider] else None

    # --- serving ------------------------------------------------------------------------------
    def handle(self, handler) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        query = dict(urllib.parse.parse_qsl(parts.query))
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        provider = {
            "/cgi-bin/gettoken": "token",
            "/cgi-bin/message/send": "wecom",
            "/cgi-bin/webhook/send": "robot",
            "/aliyun/": "aliyun",
            "/tencent/": "tencent",
        }.get(parts.path)
        if provider is None:
            return handler.answer(404, {"error": "no such path"})
        mode = self._next_failure(provider)
        if self.delay:
            time.sleep(self.delay)
        if mode == "drop":
            handler.close_connection = True
            handler.connection.shutdown(2)
            return None
        if mode == "slow":
            time.sleep(self.slow_seconds)
            return handler.answer(504, {"error": "gateway timeout"})
        if mode == "500":
            # Like a proxy's error page, it echoes the request (a token, a key, a secret in the URL).
            return handler.answer(
                502 if provider == "tencent" else 500, {"error": "internal", "request": handler.path}
            )
        return getattr(self, f"_{provider}")(handler, query, body, mode)

    def _token(self, handler, query, body, mode):
        if mode == "busy":
            return handler.answer(200, {"errcode": -1, "errmsg": "system busy"})
        if query.get("corpid") != CORP_ID or query.get("corpsecret") != WECOM_SECRET:
            self.rejected["token"] += 1
            return handler.answer(200, {"errcode": 40001, "errmsg": "invalid credential"})
        token = f"token-{len(self.tokens)}-{time.monotonic_ns()}"
        self.tokens.add(token)
        return handler.answer(200, {"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    def _wecom(self, handler, query, body, mode):
        if query.get("access_token") not in self.tokens:
            return handler.answer(200, {"errcode": 40014, "errmsg": "invalid access_token"})
        if mode == "busy":
            return handler.answer(200, {"errcode": -1, "errmsg": "system busy"})
        if mode == "expired":
            self.tokens.discard(query["access_token"])
            return handler.answer(200, {"errcode": 42001, "errmsg": "access_token expired"})
        data = json.loads(body)
        text = data.get("text", {}).get("content", "")
        if data.get("msgtype") != "text" or str(data.get("agentid")) != AGENT_ID or not data.get("touser"):
            self.rejected["wecom"] += 1
            return handler.answer(200, {"errcode": 40008, "errmsg": "invalid message type"})
        if len(text.encode()) > 2048:
            self.rejected["wecom"] += 1
            return handler.answer(200, {"errcode": 44004, "errmsg": "text content too long"})
        if data["touser"] == "nobody":
            return handler.answer(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "nobody"})
        with self.lock:
            self.accepted["wecom"].append((data["touser"], text))
        return handler.answer(200, {"errcode": 0, "errmsg": "ok", "invaliduser": "", "msgid": "m1"})

    def _robot(self, handler, query, body, mode):
        if query.get("key") != ROBOT_KEY:
            return handler.answer(200, {"errcode": 93000, "errmsg": "invalid webhook url"})
        if mode == "busy":
            return handler.answer(200, {"errcode": -1, "errmsg": "system busy"})
        data = json.loads(body)
        text = data.get("text", {}).get("content", "")
        if data.get("msgtype") != "text" or len(text.encode()) > 2048:
            self.rejected["robot"] += 1
            return handler.answer(200, {"errcode": 40058, "errmsg": "content exceed max length"})
        now = time.monotonic()
        with self.lock:
            recent = [t for t in self.robot_sends if t > now - 60]
            if len(recent) >= self.robot_limit:
                self.rejected["robot limit"] += 1
                return handler.answer(200, {"errcode": 45009, "errmsg": "api freq out of limit"})
            self.robot_sends.append(now)
            self.accepted["robot"].append(text)
        return handler.answer(200, {"errcode": 0, "errmsg": "ok"})

    def _aliyun(self, handler, query, body, mode):
        params = dict(urllib.parse.parse_qsl(body.decode()))
        if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
            self.rejected["aliyun"] += 1
            return handler.answer(400, {"Code": "InvalidAction", "Message": "bad action"})
        if params.get("AccessKeyId") != ALIYUN_ID or params.get("Signature") != aliyun_expected(params):
            self.rejected["aliyun"] += 1
            return handler.answer(400, {"Code": "SignatureDoesNotMatch", "Message": "signature"})
        if mode == "busy":
            return handler.answer(200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控"})
        if not params.get("PhoneNumbers", "").isdigit():
            return handler.answer(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"})
        with self.lock:
            self.accepted["aliyun"].append(
                (
                    params["PhoneNumbers"],
                    params["TemplateCode"],
                    json.loads(params["TemplateParam"]),
                    params["OutId"],
                )
            )
        return handler.answer(
            200, {"Code": "OK", "Message": "OK", "BizId": "900619746936498440", "RequestId": "r"}
        )

    def _tencent(self, handler, query, body, mode):
        host = handler.headers["Host"]
        if (
            handler.headers.get("X-TC-Action") != "SendSms"
            or handler.headers.get("X-TC-Version") != "2021-01-11"
        ):
            self.rejected["tencent"] += 1
            return handler.answer(200, {"Response": {"Error": {"Code": "InvalidAction", "Message": "x"}}})
        if handler.headers.get("Authorization") != tencent_expected(handler.headers, body, host):
            self.rejected["tencent"] += 1
            return handler.answer(
                200, {"Response": {"Error": {"Code": "AuthFailure.SignatureFailure", "Message": "sig"}}}
            )
        if mode == "busy":
            return handler.answer(
                200,
                {
                    "Response": {
                        "Error": {"Code": "InternalError.Timeout", "Message": "timeout"},
                        "RequestId": "r",
                    }
                },
            )
        if mode == "limit":
            return handler.answer(
                200,
                {
                    "Response": {
                        "Error": {"Code": "RequestLimitExceeded", "Message": "limit"},
                        "RequestId": "r",
                    }
                },
            )
        data = json.loads(body)
        phone = data["PhoneNumberSet"][0]
        if data.get("SmsSdkAppId") != TENCENT_APP:
            self.rejected["tencent"] += 1
            return handler.answer(
                200, {"Response": {"Error": {"Code": "InvalidParameterValue.SdkAppIdNotExist"}}}
            )
        if not phone.startswith("+86") or not phone[3:].isdigit():
            status = {"Code": "InvalidParameterValue.IncorrectPhoneNumber", "Message": "bad number"}
            return handler.answer(200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}})
        with self.lock:
            self.accepted["tencent"].append(
                (phone, data["TemplateId"], data["TemplateParamSet"], data.get("SessionContext"))
            )
        status = {
            "SerialNo": "2019:1",
            "PhoneNumber": phone,
            "Fee": 1,
            "Code": "Ok",
            "Message": "send success",
        }
        return handler.answer(200, {"Response": {"SendStatusSet": [status], "RequestId": "r"}})


def serve(providers: Providers):
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            providers.handle(self)

        do_POST = do_GET  # noqa: N815

        def answer(self, status, payload):
            raw = json.dumps(payload, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args):
            pass

    last = None
    for port in PORTS:
        try:
            server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
            break
        except OSError as exc:
            last = exc
    else:
        raise last
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
