from sanwen.core.access import Role


def test_households_are_masked_and_of_the_users_bureau(client, world, django_assert_max_num_queries):
    client.force_login(world.a.users[Role.LEADER])
    with django_assert_max_num_queries(8):
        body = client.get("/api/v1/households").json()
    assert {h["name"] for h in body["items"]} == {world.a.farmer.name, world.a.retailer.name}
    retailer = next(h for h in body["items"] if h["kind"] == "retailer")
    assert retailer["phone"] == "139****5678" and retailer["licences"][0]["number"] == "451122***123"
    assert client.get(f"/api/v1/households/{world.b.farmer.pk}").status_code == 404
    assert [h["name"] for h in client.get("/api/v1/households", {"q": "zl"}).json()["items"]] == ["钟林"]


def test_licences_are_masked(client, world):
    client.force_login(world.a.users[Role.STAFF])
    (licence,) = client.get("/api/v1/licences").json()["items"]
    assert licence["number"] == "451122***123" and licence["household_id"] == world.a.retailer.pk


def test_the_six_zeros_and_statistics_follow_the_scope_chooser(client, world):
    client.force_login(world.a.users[Role.LEADER])
    body = client.get("/api/v1/zeros", {"period": "2026-03"}).json()
    assert [z["code"] for z in body["zeros"]] == ["delay", "omission", "error", "lapse", "distance", "breach"]
    assert body["scope"]["bureau"] == world.a.bureau.pk and body["start"] == "2026-03-01"
    stats = client.get("/api/v1/statistics", {"from": "2026-01-01", "to": "2026-03-31"}).json()
    assert stats["figures"]["cases"] == 0
    # Another county is not the leader's to look at.
    assert client.get("/api/v1/zeros", {"bureau": world.b.bureau.pk}).status_code in (403, 404)
    bad = client.get("/api/v1/zeros", {"period": "soon"})
    assert bad.status_code == 400 and "period" in bad.json()["error"]["fields"]


def test_a_staff_member_sees_their_own_quota_row(client, world):
    staff = world.a.users[Role.STAFF]
    client.force_login(staff)
    body = client.get("/api/v1/quota", {"month": "2026-03"}).json()
    assert body["scope"]["staff"] == staff.pk
    assert {r["staff"] for r in body["rows"]} <= {staff.pk}
    assert client.get("/api/v1/quota", {"staff": world.a.users[Role.LEADER].pk}).status_code == 403


def _fields_of(document, name):
    return document["components"]["schemas"][name]["properties"]


def test_the_figures_are_typed_field_by_field_in_the_openapi_document(client, world, register):
    """Every figure the statistics compute is a documented field (a figure added to the page and
    not here would be dropped from the answer), and so are the six zeros' cells and the quota."""
    import datetime

    from sanwen.reports import stats

    register()
    document = client.get("/api/v1/openapi.json").json()
    computed = stats.compute(
        stats.Filters(
            bureau_ids=[world.a.bureau.pk],
            start=datetime.date(2026, 1, 1),
            end=datetime.date(2026, 3, 31),
            department=None,
            staff=None,
            township=None,
        )
    )
    figures = _fields_of(document, "Figures")
    assert set(figures) == set(computed["figures"])
    assert all(field.get("description") or "$ref" in field or "items" in field for field in figures.values())
    assert set(_fields_of(document, "Series")) == set(computed["trends"]["series"])
    assert set(_fields_of(document, "ZeroCell")) >= {"n", "total", "unvisited", "coverage", "months"}
    assert set(_fields_of(document, "QuotaTotals")) == {
        "staff",
        "required_days",
        "achieved_days",
        "short",
        "shortfall_days",
        "met",
    }
    client.force_login(world.a.users[Role.LEADER])
    body = client.get("/api/v1/statistics", {"from": "2026-01-01", "to": "2026-03-31"}).json()
    assert body["figures"]["cases"] == computed["figures"]["cases"] == 1
    assert body["figures"]["by_mode"][0]["mode__code"] == "immediate"
    zeros = client.get("/api/v1/zeros", {"period": "2026-03"}).json()["zeros"]
    distance = next(z for z in zeros if z["code"] == "distance")
    assert distance["cell"]["total"] >= distance["cell"]["unvisited"] >= 0
