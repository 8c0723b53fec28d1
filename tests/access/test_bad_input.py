"""Bad input gets a 4xx and a clear message, never a server error (issue 13, item 4).

A fuzz walk: every URL pattern from the resolver (filled with ids of real rows, as the permission
walk does), opened with GET and POST as a leader and as an anonymous visitor, with hostile values in
the parameters the view reads (query and form fields alike). The known offenders are kept as
explicit regressions below it."""

import functools
import re
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django import forms
from django.test import Client
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sanwen.core.access import Role
from tests.access.test_permission_walk import a_objects, all_routes, fill_all  # noqa: F401

pytestmark = pytest.mark.fuzz

SRC = Path(__file__).resolve().parents[2]
SKIPPED = {"logout/"}  # it would end the leader's session for the requests that follow

# Values that broke pages before, and their relatives.
HOSTILE = [
    "99999999999999999999",
    "-99999999999999999999",
    "9" * 400,
    "-1",
    "0",
    "1.5",
    "1e999",
    "-1e999",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    "9999-12-31",
    "0000-00-00",
    "0001-01-01",
    "2026-02-30",
    "99999-01-01",
    "9999-12",
    "2026-13",
    "0000-00",
    "²",  # a digit to str.isdigit(), not to int()
    "١٢٣",  # Arabic-Indic digits
    "１２３",  # full-width digits
    "\x00",
    "1\x00",
    "a\x00b",
    "x" * 5000,
    "钟林" * 3000,
    "😀",
    "' OR 1=1 --",
    "%",
    "%00",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    " ",
    "",
    "true",
    "[]",
]
HOSTILE_VALUE = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.dates().map(lambda d: d.isoformat()),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
)

_READ = re.compile(r"""(?:GET|POST|params|query)(?:\.get|\.getlist|\.pop)?[\(\[]\s*["']([A-Za-z_]\w*)["']""")
_LOOP = re.compile(r"""for \w+(?:, \w+)? in \(\(?((?:\s*\(?["'][a-z_]+["'][^)]*\)?,?)+)\)""")


@functools.cache
def _module_names(module) -> set[str]:
    """Parameter names a view module reads: request.GET/POST lookups, names in loops over tuples of
    literals, and the fields of the forms it uses."""
    names: set[str] = {"page"}
    path = getattr(module, "__file__", None)
    if path and path.startswith(str(SRC)):
        text = Path(path).read_text()
        names |= set(_READ.findall(text))
        for group in _LOOP.findall(text):
            names |= set(re.findall(r"""["']([a-z_]+)["']""", group))
    for value in vars(module).values():
        if isinstance(value, type) and issubclass(value, forms.BaseForm):
            names |= set(value.base_fields)
    return names


def _names_for(url: str) -> list[str]:
    view = resolve(url.split("?")[0]).func
    modules = {sys.modules.get(getattr(view, "__module__", ""))}
    wrapped = getattr(view, "__wrapped__", None)
    while wrapped is not None:
        modules.add(sys.modules.get(wrapped.__module__))
        wrapped = getattr(wrapped, "__wrapped__", None)
    if url.startswith("/api/"):
        modules.add(sys.modules["sanwen.api.api"])
        names = {"page", "page_size", "q", "kind", "township"}
    else:
        names = set()
    for module in modules - {None}:
        names |= _module_names(module)
    return sorted(names)


def _urls(objects) -> list[str]:
    return [url for route in all_routes() if route not in SKIPPED for url in fill_all(route, objects)]


@st.composite
def hostile_request(draw, urls):
    url = draw(st.sampled_from(urls))
    names = _names_for(url)
    if draw(st.booleans()):  # one hostile value in every parameter the view reads
        value = draw(st.sampled_from(HOSTILE))
        params = dict.fromkeys(names, value)
    else:
        params = draw(st.dictionaries(st.sampled_from(names), HOSTILE_VALUE, min_size=1, max_size=6))
    return url, params


def _send(client: Client, method: str, url: str, params: dict):
    if method == "get":
        return client.get(url, params)
    return client.post(f"{url}?{urlencode(params)}", params)


def _assert_no_server_error(world, url, params):
    leader = Client()
    leader.force_login(world.a.users[Role.LEADER])
    anonymous = Client()
    for who, client in (("leader", leader), ("anonymous", anonymous)):
        for method in ("get", "post"):
            response = _send(client, method, url, params)
            assert response.status_code < 500, (
                f"{method.upper()} {url} as {who} with {params!r}: {response.status_code}"
            )


@pytest.fixture
def urls(world, a_objects):  # noqa: F811
    return _urls(a_objects)


@settings(
    max_examples=40,
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
@given(data=st.data())
def test_no_page_answers_hostile_parameters_with_a_server_error(world, urls, data):
    url, params = data.draw(hostile_request(urls), label="request")
    _assert_no_server_error(world, url, params)


# The values that broke pages, for the sweep: one per URL in turn, so that it stays short.
SWEEP = ["99999999999999999999", "²", "9999-12-31", "9999-12", "NaN", "1e999", "-1", "0000-00-00", "\x00"]


def test_every_page_survives_a_hostile_value_in_every_parameter(world, urls):
    """The deterministic sweep: every URL, GET and POST, as the leader and as a visitor, with one of
    SWEEP in every parameter it reads (the next value for the next URL)."""
    for index, url in enumerate(urls):
        value = SWEEP[index % len(SWEEP)]
        _assert_no_server_error(world, url, dict.fromkeys(_names_for(url), value))


KNOWN = [
    ("anonymous", "get", "/p/451122/board/?township=99999999999999999999", {}),
    ("anonymous", "get", "/p/451122/board/?show=deeds&category=99999999999999999999", {}),
    ("leader", "get", "/reports/?from=9999-12-31", {}),
    ("leader", "get", "/reports/?from=9999-12-31&to=9999-12-31", {}),
    ("leader", "get", "/reports/summary.docx?from=9999-12-31&to=9999-12-31", {}),
    ("leader", "get", "/reports/?from=0001-01-01&to=0001-01-01", {}),
    ("leader", "get", "/api/clients?page=99999999999999999999", {}),
    ("leader", "get", "/clients/?page=99999999999999999999", {}),
    ("leader", "post", "/field/visits/new/", {"latitude": "NaN", "longitude": "inf", "accuracy": "1e999"}),
    # found by the walk below
    ("leader", "post", "/field/visits/new/", {"staff": "99999999999999999999", "vehicles": "-1"}),
    ("leader", "post", "/field/meetings/new/", {"households": "99999999999999999999", "staff": "²"}),
    ("leader", "post", "/accountability/assessments/", {"staff": "99999999999999999999"}),
    ("leader", "get", "/accountability/assessments/?year=²", {}),
    ("leader", "get", "/accountability/assessments/export/?id=²", {}),
    ("leader", "get", "/accountability/scorecard/?period=9999-12", {}),
    ("leader", "get", "/field/notebooks/?month=9999-12", {}),
    ("leader", "get", "/cases/new/?household=²", {}),
    ("leader", "get", "/clients/?township=²", {}),
    ("leader", "get", "/clients/export.xlsx?township=99999999999999999999", {}),
]


@pytest.mark.parametrize(("who", "method", "url", "data"), KNOWN)
def test_the_known_offenders_answer_with_a_4xx_or_a_page(client, world, who, method, url, data):
    if who == "leader":
        client.force_login(world.a.users[Role.LEADER])
    response = getattr(client, method)(url, data)
    assert response.status_code < 500


def test_a_refused_parameter_is_explained_in_chinese(client, world, settings):
    settings.DEBUG = False  # the technical page of DEBUG would show the message anyway
    client.force_login(world.a.users[Role.LEADER])
    response = client.get("/reports/", {"from": "9999-12-31"})
    assert response.status_code == 400
    assert "参数“from”应为1900-01-01至2099-12-31之间的真实日期，写作 2026-03-05" in response.content.decode()
    response = client.get("/clients/", {"q": "钟\x00林"})
    assert response.status_code == 400 and "空字符" in response.content.decode()
    public = Client().get("/p/451122/board/", {"township": "99999999999999999999"})
    assert public.status_code == 400
    assert "参数“township”应为记录编号（正整数）" in public.content.decode()
    assert "default-src 'none'" in public["Content-Security-Policy"]


@given(text=st.one_of(st.sampled_from(HOSTILE), st.text(st.characters(exclude_categories=("Cs",)))))
def test_an_id_or_a_date_parameter_is_a_value_or_a_bad_parameter(text):
    from django.http import QueryDict

    from sanwen.core.params import FIRST_DAY, LAST_DAY, MAX_ID, BadParameter, query_date, query_id

    params = QueryDict(mutable=True)
    params["v"] = text
    for read in (query_id, query_date):
        try:
            value = read(params, "v")
        except BadParameter:
            continue
        if value is not None:
            assert (0 < value <= MAX_ID) if read is query_id else (FIRST_DAY <= value <= LAST_DAY)


@pytest.mark.parametrize(
    ("latitude", "longitude", "accuracy"),
    [
        ("NaN", "inf", "1e999"),
        ("nan", "-Infinity", "-5"),
        ("1e999", "sNaN", "99999999999999999999"),
        ("24.4", "111.3", "NaN"),
        ("24.4", "111.3", "1e999"),
    ],
)
def test_a_visit_with_a_location_that_is_not_a_number_is_refused_or_kept_without_it(
    client, world, latitude, longitude, accuracy
):
    from sanwen.fieldwork.models import Visit

    client.force_login(world.a.users[Role.STAFF])
    data = {
        "on": "2026-03-02",
        "channel": "face",
        "households": str(world.a.farmer.pk),
        "diary": "到烟农家查看烟苗",
        "items-TOTAL_FORMS": "0",
        "items-INITIAL_FORMS": "0",
        "latitude": latitude,
        "longitude": longitude,
        "accuracy": accuracy,
    }
    response = client.post("/field/visits/new/", data)
    if latitude == "24.4":  # a real location with a useless accuracy estimate: kept, the estimate dropped
        assert response.status_code == 302
        visit = Visit.objects.get()
        assert (float(visit.latitude), visit.accuracy) == (24.4, None)
    else:
        assert response.status_code == 200
        assert "位置" in response.content.decode()
        assert not Visit.objects.exists()
