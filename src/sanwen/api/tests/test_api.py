from sanwen.core.access import Role


def test_the_api_lists_only_the_users_bureau_masked(client, world):
    client.force_login(world.a.users[Role.STAFF])
    response = client.get("/api/clients")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    names = {item["name"] for item in body["items"]}
    assert names == {world.a.farmer.name, world.a.retailer.name}
    retailer = next(i for i in body["items"] if i["kind"] == "retailer")
    assert retailer["phone"] == "139****5678" and retailer["licences"] == ["451122***123"]


def test_the_api_searches_by_initials(client, world):
    client.force_login(world.a.users[Role.STAFF])
    assert [i["name"] for i in client.get("/api/clients", {"q": "zl"}).json()["items"]] == [
        world.a.farmer.name
    ]


def test_another_bureaus_client_is_not_found(client, world):
    client.force_login(world.a.users[Role.STAFF])
    assert client.get(f"/api/clients/{world.b.farmer.pk}").status_code == 404
    assert client.get(f"/api/clients/{world.a.farmer.pk}").json()["phone"] == "138****1234"


def test_the_api_needs_a_session(client, world):
    assert client.get("/api/clients").status_code == 401


def test_the_openapi_document_is_served(client):
    assert client.get("/api/openapi.json").json()["info"]["title"] == "Sanwen API"


def test_the_docs_are_served_from_our_own_static_files_to_logged_in_users(client, world):
    assert client.get("/api/v1/docs").status_code == 302
    client.force_login(world.a.users[Role.STAFF])
    for url in ("/api/docs", "/api/v1/docs"):
        html = client.get(url).content.decode()
        assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in html
        assert "/static/sanwen/api-docs.js" in html
        assert "cdn" not in html.lower() and "<script>" not in html  # no CDN, no inline script
    assert 'data-openapi-url="/api/v1/openapi.json"' in client.get("/api/v1/docs").content.decode()


def test_every_field_error_of_a_bad_request_is_in_chinese(client, world):
    """Missing fields, wrong types, limits, choices and broken JSON: each field named, each message
    in Chinese, nothing saved."""
    from sanwen.cases.models import Case

    client.force_login(world.a.users[Role.STAFF])
    bad = {
        "description": "x" * 6000,
        "ask_kind": "nonsense",
        "household": "abc",
        "raised_on": "someday",
        "confidential": "perhaps",
        "title": ["not", "text"],
    }
    response = client.post("/api/v1/cases", bad, content_type="application/json")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "bad_request"
    assert {"description", "ask_kind", "household", "raised_on", "confidential", "title", "mode"} <= set(
        error["fields"]
    )
    for messages in error["fields"].values():
        assert all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages), messages
    broken = client.post("/api/v1/cases", "{not json", content_type="application/json")
    assert broken.status_code in (400, 422)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in broken.json()["error"]["message"])
    assert not Case.objects.exists()


def test_a_nul_in_a_query_is_refused_in_the_apis_shape(client, world, make_key):
    from sanwen.core.access import Cap

    token, _key = make_key(Cap.VIEW_CASES)
    for path in ("/api/v1/cases?q=a%00b", "/api/v1/batches?cursor=%00", "/api/v1/zeros?period=%00"):
        response = client.get(path, HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 400 and response["Content-Type"].startswith("application/json")
        error = response.json()["error"]
        assert error["code"] == "bad_request" and "NUL" in error["message"] and "字符" in error["message"]


def test_an_unreadable_form_body_is_a_400_in_the_apis_shape(client, world):
    """Multipart without its boundary: the session's CSRF check reads the body first (a 500 before)."""
    from django.test import Client

    from sanwen.cases.models import Case

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(world.a.users[Role.LEADER])
    browser.cookies["csrftoken"] = "a" * 32
    for path in ("/api/v1/cases", "/api/v1/batches", "/api/v1/deeds", "/api/v1/visits"):
        response = browser.generic(
            "POST", path, b"x=1", content_type="multipart/form-data", HTTP_X_CSRFTOKEN="a" * 32
        )
        assert response.status_code == 400, (path, response.content)
        assert response.json()["error"]["code"] == "bad_request"
    assert not Case.objects.exists()


def test_an_id_beyond_the_databases_integers_is_a_400_not_a_500(client, world):
    """Found by schemathesis against a running server: a visit naming household 10**20."""
    import uuid

    from sanwen.fieldwork.models import Visit

    client.force_login(world.a.users[Role.STAFF])
    body = {
        "client_id": str(uuid.uuid4()),
        "on": "2026-03-02",
        "channel": "at_bureau",
        "households": [10**20],
        "staff": [world.a.users[Role.STAFF].pk],
        "diary": "走访",
    }
    response = client.post("/api/v1/visits", body, content_type="application/json")
    assert response.status_code in (400, 422), response.content
    assert response.json()["error"]["code"] in ("bad_request", "invalid")
    assert not Visit.objects.exists()
