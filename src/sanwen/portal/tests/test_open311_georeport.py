"""Our Open311 endpoints driven over HTTP by an existing GeoReport v2 client from PyPI: `georeport`
(0.3.x). It reads services, a service definition, the request list and single requests, in JSON
and in XML; it has no call to post a request, so the request is posted as the specification
describes it (form-encoded fields) with `requests`, and read back with the library.

Tried and not usable: `three` 0.8 and `open311` 1.1 are Python 2 only (`itertools.ifilter`,
implicit relative imports) and do not import on Python 3.

Every document is also held against the specification's examples: the fields each kind of
document has there, their types and their allowed values (GeoReport v2, "GET Service List",
"GET Service Definition", "POST Service Request", "GET Service Requests")."""

import re

import pytest
import requests
from georeport import GeoReport

from sanwen.cases.models import Case

# The fields of the specification's example documents, and the values it allows.
SERVICE = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
SERVICE_TYPES = {"realtime", "batch", "blackbox"}
DEFINITION = {"service_code", "attributes"}
ATTRIBUTE = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
    "values",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
VALUE = {"key", "name"}
CREATED = {"service_request_id", "service_notice", "account_id"}
REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
# ISO 8601 with the offset, as the specification's examples write times (or Z).
W3C_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}([+-]\d{2}:\d{2}|Z)$")

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def county(live_server):
    from sanwen.testing import build_world

    world = build_world()
    return world, f"{live_server.url}/open311/v2"


def _raise(root, world, fmt="json", **extra):
    fields = {
        "jurisdiction_id": "451122",
        "service_code": "difficulty",
        "description": "仁里村烤房漏雨，烟叶快要烤了，希望帮忙联系维修",
        "attribute[township]": str(world.a.township.pk),
        "first_name": "大春",
        "last_name": "王",
        "phone": "13877771234",
    }
    response = requests.post(f"{root}/requests.{fmt}", data=fields | extra, timeout=30)
    assert response.headers["Content-Type"].endswith("charset=utf-8")
    return response


def _check_request(row):
    assert set(row) == REQUEST
    assert row["status"] in ("open", "closed")
    assert W3C_TIME.match(row["requested_datetime"])
    for name in ("updated_datetime", "expected_datetime"):
        assert row[name] is None or W3C_TIME.match(row[name])


def test_the_georeport_client_reads_our_endpoints_in_json(county):
    world, root = county
    client = GeoReport(root, jurisdiction="451122")

    services = client.get_service_list()
    assert {s["service_code"] for s in services} == {
        "need", "worry", "grievance", "difficulty", "suggestion", "opinion"
    }  # fmt: skip
    for service in services:
        assert set(service) == SERVICE and service["type"] in SERVICE_TYPES
        assert isinstance(service["metadata"], bool)

    definition = client.get_service_definition("difficulty")
    assert set(definition) == DEFINITION and definition["service_code"] == "difficulty"
    for attribute in definition["attributes"]:
        assert set(attribute) == ATTRIBUTE and attribute["datatype"] in DATATYPES
        assert isinstance(attribute["required"], bool) and isinstance(attribute["order"], int)
        assert all(set(v) == VALUE for v in attribute["values"])
    township = next(a for a in definition["attributes"] if a["code"] == "township")
    assert {"key": str(world.a.township.pk), "name": world.a.township.name} in township["values"]

    response = _raise(root, world)
    assert response.status_code == 201, response.text
    (created,) = response.json()
    assert set(created) == CREATED
    code = created["service_request_id"]

    shown = client.get_service_request(code)
    _check_request(shown)
    assert shown["service_request_id"] == code and shown["status"] == "open"
    assert shown["service_code"] == "difficulty"
    # What the public status page shows: not the person's name, phone or words.
    assert "王" not in str(shown) and "13877771234" not in str(shown) and "烤房" not in str(shown)
    (again,) = client.get_service_requests(service_request_id=code)
    assert again == shown

    # The list is the public board (公开办 cases), named by case number, with the spec's filters.
    assert client.get_service_requests() == []
    Case.objects.update(public=True)
    case = Case.objects.get()
    (listed,) = client.get_service_requests(status="open", service_code="difficulty")
    _check_request(listed)
    assert listed["service_request_id"] == case.number
    assert client.get_service_requests(status="closed") == []


def test_the_georeport_client_reads_our_endpoints_in_xml(county):
    world, root = county
    client = GeoReport(root, jurisdiction="451122", output_format="xml")

    services = client.get_service_list()
    assert len(services) == 6
    for service in services:
        assert set(service) == SERVICE and service["type"] in SERVICE_TYPES
        assert service["metadata"] in ("true", "false")

    definition = client.get_service_definition("need")
    assert set(definition) == DEFINITION
    attributes = definition["attributes"]["attribute"]
    for attribute in attributes:
        assert set(attribute) == ATTRIBUTE and attribute["datatype"] in DATATYPES
    township = next(a for a in attributes if a["code"] == "township")
    values = township["values"]["value"]
    values = values if isinstance(values, list) else [values]
    assert {"key": str(world.a.township.pk), "name": world.a.township.name} in values

    response = _raise(root, world, fmt="xml")
    assert response.status_code == 201, response.text
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?><service_requests>')
    import xmltodict

    created = xmltodict.parse(response.content)["service_requests"]["request"]
    assert set(created) == CREATED
    shown = client.get_service_request(created["service_request_id"])
    assert set(shown) == REQUEST and shown["status"] == "open"
    assert W3C_TIME.match(shown["requested_datetime"])


def test_the_client_gets_http_errors_for_bad_requests_and_nothing_is_stored(county):
    world, root = county
    # Two bureaus take items from the public in the test world: without jurisdiction_id, a 400.
    with pytest.raises(requests.HTTPError) as info:
        GeoReport(root).get_service_list()
    assert info.value.response.status_code == 400
    body = info.value.response.json()
    assert set(body[0]) == {"code", "description"} and "jurisdiction_id" in body[0]["description"]
    with pytest.raises(requests.HTTPError) as info:
        GeoReport(root, jurisdiction="451122").get_service_definition("nonsense")
    assert info.value.response.status_code == 404
    with pytest.raises(requests.HTTPError) as info:
        GeoReport(root, jurisdiction="451122").get_service_request("ABCDE-FGHJK")
    assert info.value.response.status_code == 404
    refused = _raise(root, world, description="短")
    assert refused.status_code == 400 and refused.json()[0]["code"] == 400
    assert not Case.objects.exists()
