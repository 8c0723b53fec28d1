"""One shape for every error the API answers: {"error": {"code", "message", "fields"}}, the message
in the user's language (Chinese by default), `fields` mapping a field to its messages."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DataError
from django.http import Http404
from django.http.multipartparser import MultiPartParserError
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
    """Every error: `code` is stable — unauthorised (401), forbidden (403), not_found (404),
    invalid (400: the entry breaks a rule of the page's form or service), stale (409: someone changed
    the record since `version` was read), bad_request (400/422: the request does not match this
    document), rate_limited (429, with Retry-After); `message` is for people, in Chinese by default
    (Accept-Language: en for English); `fields` maps a field to its messages."""

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
            fields.setdefault(".".join(loc) or "request", []).append(explain(item))
        return error(api, request, 422, "bad_request", _("The request does not match the API."), fields)

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def out_of_range(request, exc):
        # Defence in depth: a value the database cannot hold (an id beyond its integer column) that
        # an endpoint's schema let through is the request's fault, not the server's.
        return error(api, request, 400, "bad_request", _("A value in the request is out of range."))

    @api.exception_handler(MultiPartParserError)
    def unreadable_body(request, exc):
        # A form body that cannot be read (multipart without its boundary): the session's CSRF
        # check reads it before any endpoint does.
        return error(api, request, 400, "bad_request", _("The body cannot be read: send JSON."))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        # django-ninja's own messages are English: said again in the user's language.
        message = str(exc)
        if message.startswith("Cannot parse request body"):
            message = _("The body is not valid JSON.")
        elif message.startswith("CSRF check"):
            message = _(
                "The CSRF token is missing or wrong: send the csrftoken cookie's value as X-CSRFToken."
            )
        return error(api, request, exc.status_code, "bad_request", message)


def explain(item: dict) -> str:
    """A pydantic validation error in the user's language (Chinese by default): by its type, with
    the limit it names; an unforeseen type gets a general message rather than English."""
    kind, ctx = item.get("type", ""), item.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Enter a whole number.")
    if kind in ("float_parsing", "float_type", "decimal_parsing", "decimal_type", "finite_number"):
        return _("Enter a number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Enter true or false.")
    if kind.startswith("date_") or kind == "date_type":
        return _("Enter a valid date.")
    if kind.startswith("datetime_"):
        return _("Enter a valid date/time.")
    if kind in ("greater_than_equal", "greater_than"):
        return _("Ensure this value is greater than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("ge", ctx.get("gt", ""))
        }
    if kind in ("less_than_equal", "less_than"):
        return _("Ensure this value is less than or equal to %(limit_value)s.") % {
            "limit_value": ctx.get("le", ctx.get("lt", ""))
        }
    if kind in ("string_too_long", "too_long"):
        return _("At most %(n)s characters or items.") % {"n": ctx.get("max_length", "")}
    if kind in ("string_too_short", "too_short"):
        return _("At least %(n)s characters or items.") % {"n": ctx.get("min_length", "")}
    if kind in ("enum", "literal_error"):
        return _("Choose one of: %(choices)s.") % {"choices": ctx.get("expected", "")}
    if kind == "string_pattern_mismatch":
        return _("This value is not in the expected form.")
    if kind in ("string_type", "string_unicode"):
        return _("Enter text.")
    if kind in ("list_type", "tuple_type", "set_type"):
        return _("Send a list.")
    if kind in ("model_attributes_type", "dict_type", "model_type"):
        return _("Send a JSON object.")
    if kind == "json_invalid":
        return _("The body is not valid JSON.")
    return _("Enter a valid value.")


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
