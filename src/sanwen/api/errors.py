"""One shape for every error the API answers: {"error": {"code", "message", "fields"}}, the message
in the user's language (Chinese by default), `fields` mapping a field to its messages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from sanwen.api.auth import RateLimited
from sanwen.cases.services import CaseConflict


class ErrorBody(Schema):
    code: str
    message: str
    fields: dict[str, list[str]] = {}


class Error(Schema):
    """Every error: `code` is stable (unauthorised, forbidden, not_found, invalid, stale,
    rate_limited, bad_request), `message` is for people."""

    error: ErrorBody


def error(api, request, status: int, code: str, message: str, fields: dict | None = None):
    body = {"error": {"code": code, "message": str(message), "fields": fields or {}}}
    return api.create_response(request, body, status=status)


def _django_fields(exc: ValidationError) -> tuple[str, dict]:
    if hasattr(exc, "error_dict"):
        fields = {name: [str(m) for m in messages] for name, messages in exc.message_dict.items()}
        first = next((m[0] for m in fields.values() if m), _("Check the entry."))
        return first, fields
    messages = [str(m) for m in exc.messages]
    return ("；".join(messages) or _("Check the entry.")), {}


def install(api) -> None:
    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        message = str(exc) or _("You may not do this.")
        return error(api, request, 403, "forbidden", message)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return error(api, request, 404, "not_found", _("Not found."))

    @api.exception_handler(ValidationError)
    def invalid(request, exc):
        message, fields = _django_fields(exc)
        return error(api, request, 400, "invalid", message, fields)

    @api.exception_handler(CaseConflict)
    def stale(request, exc):
        return error(api, request, 409, "stale", str(exc))

    @api.exception_handler(AuthenticationError)
    def unauthorised(request, exc):
        return error(api, request, 401, "unauthorised", _("Log in or give a valid API key."))

    @api.exception_handler(RateLimited)
    def rate_limited(request, exc):
        response = error(api, request, 429, "rate_limited", _("Too many requests: try again in a minute."))
        response["Retry-After"] = str(exc.wait)
        return response

    @api.exception_handler(NinjaValidationError)
    def bad_request(request, exc):
        fields: dict[str, list[str]] = {}
        for item in exc.errors:
            loc = [
                str(part) for part in item.get("loc", ()) if part not in ("body", "query", "path", "payload")
            ]
            fields.setdefault(".".join(loc) or "request", []).append(str(item.get("msg", "")))
        return error(api, request, 422, "bad_request", _("The request does not match the API."), fields)

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        return error(api, request, exc.status_code, "bad_request", str(exc))


def refuse_nul(payload: Schema) -> None:
    """A NUL character in a JSON body is refused like the server refuses it in forms and queries
    (PostgreSQL cannot store it): a 400 naming the fields, before any service is called."""
    fields: dict[str, list[str]] = {}

    def walk(value, name: str) -> None:
        if isinstance(value, str) and "\x00" in value:
            fields[name or "request"] = [
                _("The request contains an invisible NUL character, which cannot be used. Nothing was saved.")
            ]
        elif isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{name}.{key}" if name else str(key))
        elif isinstance(value, list):
            for item in value:
                walk(item, name)

    walk(payload.dict(), "")
    if fields:
        raise ValidationError(fields)
