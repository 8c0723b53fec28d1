"""Open311 GeoReport v2, tested through a small Open311 client of our own, with the shapes of the
published specification's examples (wiki.open311.org/GeoReport_v2)."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

from sanwen.cases.models import Case
from sanwen.cases.services import case_decline
from sanwen.core.access import Role

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[+-]\d{2}:\d{2}$")


class Open311Client:
    """What a civic app does: discovery, services, post a request, follow it; JSON or XML."""

    def __init__(self, http, base="/open311/v2/", jurisdiction=None, fmt="json"):
        self.http, self.base, self.jurisdiction, self.fmt = http, base, jurisdiction, fmt

    def _params(self, **params):
        if self.jurisdiction:
            params["jurisdiction_id"] = self.jurisdiction
        return params

    def _read(self, response):
        assert response["Content-Type"].endswith("charset=utf-8")
        if self.fmt == "xml":
            return ET.fromstring(response.content)  # noqa: S314 — our own server's answer
        return json.loads(response.content.decode("utf-8"))

    def get(self, path, **params):
        response = self.http.get(f"{self.base}{path}.{self.fmt}", self._params(**params))
        return response.status_code, self._read(response)

    def post_request(self, **fields):
        response = self.http.post(f"{self.base}requests.{self.fmt}", self._params(**fields))
        return response.status_code, self._read(response)


@pytest.fixture
def open311(client, world, today):
    # Both bureaus of the test world take items from the public: the jurisdiction is bureau a's code.
    return Open311Client(client, jurisdiction="451122")


def _post(open311, world, **extra):
    fields = {
        "service_code": "difficulty",
        "description": "仁里村烤房漏雨，烟叶快要烤了，希望帮忙联系维修",
        "attribute[township]": world.a.township.pk,
        "first_name": "大春",
        "last_name": "王",
        "phone": "13877771234",
    }
    fields.update(extra)
    return open311.post_request(**fields)


def test_discovery_lists_the_v2_endpoint_in_both_formats(open311):
    status, body = open311.get("discovery")
    assert status == 200
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2/") and "text/xml" in endpoint["formats"]


def test_services_are_the_kinds_a_person_can_raise(open311, world):
    status, services = open311.get("services")
    assert status == 200
    assert {s["service_code"] for s in services} == {
        "need",
        "worry",
        "grievance",
        "difficulty",
        "suggestion",
        "opinion",
    }
    assert all(s["type"] == "realtime" and s["metadata"] is True for s in services)
    status, definition = open311.get("services/difficulty")
    township = next(a for a in definition["attributes"] if a["code"] == "township")
    assert (
        township["required"] is True
        and {"key": str(world.a.township.pk), "name": "公安镇"} in township["values"]
    )
    assert open311.get("services/nonsense")[0] == 404


def test_a_request_is_raised_like_the_portal_and_followed_by_its_code(open311, world):
    status, body = _post(open311, world)
    assert status == 201
    (created,) = body
    assert set(created) == {"service_request_id", "service_notice", "account_id"}
    case = Case.objects.get()
    assert created["service_request_id"].replace("-", "") == case.tracking_code
    assert case.source == "portal" and case.contact_phone == "13877771234" and case.contact_name == "王大春"
    status, (shown,) = open311.get(f"requests/{created['service_request_id']}")
    assert status == 200 and shown["status"] == "open" and shown["service_code"] == "difficulty"
    # Exactly what the status page shows: no name, phone, address or the client's own words.
    text = json.dumps(shown, ensure_ascii=False)
    assert "王" not in text and "13877771234" not in text and "烤房" not in text
    assert ISO_WITH_OFFSET.match(shown["requested_datetime"])


def test_progress_is_masked_and_a_declined_matter_is_closed(open311, world):
    _status, (created,) = _post(open311, world)
    case = Case.objects.get()
    head = world.a.users[Role.DEPT_HEAD]
    case_decline(case=case, by=head, reason="已电话联系王大春 13877771234：属于供电部门，已转交")
    _status, (shown,) = open311.get(f"requests/{created['service_request_id']}")
    assert shown["status"] == "closed"
    assert (
        "13877771234" not in json.dumps(shown, ensure_ascii=False) and "138****1234" in shown["status_notes"]
    )
    assert ISO_WITH_OFFSET.match(shown["updated_datetime"])


def test_refusals_are_open311_errors_and_store_nothing(open311, world):
    status, errors = _post(open311, world, description="短")
    assert status == 400 and set(errors[0]) == {"code", "description"} and errors[0]["code"] == 400
    status, errors = _post(open311, world, **{"attribute[township]": ""})
    assert status == 400
    assert not Case.objects.exists()
    assert open311.get("requests/ABCDE-FGHJK")[0] == 404


def test_the_same_rate_limit_as_the_portal(open311, world, settings):
    settings.PORTAL_RATE_LIMITS = {**settings.PORTAL_RATE_LIMITS, "raise": [(1, 3600)]}
    assert _post(open311, world)[0] == 201
    status, errors = _post(open311, world)
    assert status == 429 and Case.objects.count() == 1


def test_xml_has_the_specifications_shape(client, world, today):
    xml = Open311Client(client, jurisdiction="451122", fmt="xml")
    status, root = _post(xml, world)
    assert status == 201 and root.tag == "service_requests"
    code = root.find("request/service_request_id").text
    status, root = xml.get(f"requests/{code}")
    assert root.find("request/status").text == "open"
    status, services = xml.get("services")
    assert services.tag == "services" and len(services.findall("service")) == 6


def test_jurisdiction_is_required_when_two_bureaus_take_items(open311, world):
    status, errors = Open311Client(open311.http).get("services")
    assert status == 400 and "jurisdiction_id" in errors[0]["description"]
    assert Open311Client(open311.http, jurisdiction="451121").get("services")[0] == 200
    assert Open311Client(open311.http, jurisdiction="999999").get("services")[0] == 404
    # A code of another bureau is not found in this one.
    _status, (created,) = _post(Open311Client(open311.http, jurisdiction="451122"), world)
    assert (
        Open311Client(open311.http, jurisdiction="451121").get(f"requests/{created['service_request_id']}")[0]
        == 404
    )


def test_the_list_is_the_public_board_with_the_specifications_filters(open311, world):
    _post(open311, world)
    _post(open311, world, service_code="need")
    Case.objects.update(public=True)
    status, rows = open311.get("requests")
    assert status == 200 and len(rows) == 2
    assert [r["service_code"] for r in open311.get("requests", service_code="need")[1]] == ["need"]
    assert open311.get("requests", status="closed")[1] == []
    assert len(open311.get("requests", start_date="2026-03-01T00:00:00+08:00")[1]) == 2
    assert open311.get("requests", start_date="yesterday")[0] == 400
