"""The API documentation works with the network cut off (everything from our own static files) and
under the staff pages' Content-Security-Policy (no inline script or style needed to start it)."""

from sanwen.testing import PASSWORD

from .conftest import log_in

CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:"


def test_the_api_docs_render_offline_under_a_strict_csp(page, live_server, transactional_db, screenshot):
    from sanwen.testing import build_world

    world = build_world()
    outside, violations = [], []

    def only_our_server(route):
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:  # the network is cut off: nothing from elsewhere
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_our_server)
    page.on("console", lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None)
    log_in(page, live_server, world.a.users["staff"].username, PASSWORD)

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": CSP})

    page.route(f"{live_server.url}/api/v1/docs", with_csp)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30000)
    assert page.locator(".opblock").count() >= 18
    assert "Sanwen API" in page.inner_text(".info")
    screenshot(page, "api-docs")
    assert outside == [] and violations == []
