"""schemathesis over the whole v1 schema, with a session and with an API key: no server error and
no response that breaks the schema (status codes, content types and bodies as documented). Kept
small (a few examples per operation, one test world per way of logging in) to stay quick."""

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from sanwen.core.access import SERVICE_CAPS, Role

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
CSRF = "a" * 32  # a CSRF secret sent as both cookie and header, as a browser would
EXAMPLES = hypothesis_settings(
    max_examples=5, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True, database=None
)

# Read in process from the application itself (the document needs no database).
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """The application is called in process, like Django's test client does it: the request
    signals must not close the test's database connection (PostgreSQL would lose its transaction)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _every_operation(**call):
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    for operation in operations:

        @given(case=operation.as_strategy())
        @EXAMPLES
        def check(case):
            response = case.call(**call)
            case.validate_response(response, checks=CHECKS)

        check()


@pytest.mark.django_db
def test_the_schema_holds_with_a_session(world, register):
    register()
    client = Client()
    client.force_login(world.a.users[Role.LEADER])
    cookies = {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        "csrftoken": CSRF,
    }
    _every_operation(cookies=cookies, headers={"X-CSRFToken": CSRF})


@pytest.mark.django_db
def test_the_schema_holds_with_a_key(world, register, make_key):
    register()
    # A key that writes, acting for the leader: every write endpoint is exercised with it too.
    token, _key = make_key(*SERVICE_CAPS, acts_for=world.a.users[Role.LEADER])
    _every_operation(headers={"Authorization": f"Bearer {token}"})
