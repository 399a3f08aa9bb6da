"""Text PostgreSQL cannot store (NUL; lone UTF-16 surrogates, which JSON can carry but UTF-8
cannot encode) is refused with a field error wherever it comes in, never a 500.

The API walkers go over every operation of the OpenAPI schema of both URLconfs, filling path
parameters with real objects from the access matrix (tests/routes_*.py).
"""

import json
import re

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from django.urls import get_resolver
from drf_spectacular.generators import SchemaGenerator

from shared_apps.core.text import NUL_MESSAGE
from tests.access_matrix import SIGNED_IN_HERE
from tests.conftest import host_client, operator_sign_in, signed_in_client
from tests.test_access_matrix import PUBLIC_ROUTES, PUBLIC_URLCONF, TENANT_ROUTES, TENANT_URLCONF
from tests.test_requests_pages import custom_type, new_request_data
from tests.test_signup import GOOD as SIGNUP

ACME = "acme.localhost"
NUL = "a\x00b"
SURROGATE = "a\ud800b"
UNSTORABLE = {"nul": NUL, "surrogate": SURROGATE}
WRITES = ("post", "put", "patch")


# The calls reported in issue 12: each was a DataError (500) from a lookup made while
# validating (the company name's uniqueness, the invitee's account, the request type's key).
REPORTED = [
    ("/api/v1/clients", {"name": NUL}, "name"),
    ("/api/v1/invitations", {"email": NUL, "team_role": "staff"}, "email"),
    ("/api/v1/requests", {"type": NUL, "title": "Logo", "details": "Old logo"}, "type"),
]


@pytest.mark.parametrize(("path", "body", "field"), REPORTED, ids=[path for path, *_ in REPORTED])
def test_the_reported_calls_are_field_errors(world, path, body, field):
    client = signed_in_client(world.personas["owner"])
    body = body | ({"company": world.northwind.pk} if path == "/api/v1/requests" else {})
    response = client.post(path, body, content_type="application/json")
    assert response.status_code == 400
    assert response.json()[field] == [NUL_MESSAGE]


def test_a_lone_surrogate_in_a_nested_json_value_is_a_field_error(world):
    client = signed_in_client(world.personas["client_admin"])
    body = json.dumps(
        {"type": "support", "title": "Logo", "details": "Old", "intake": {"site": SURROGATE}}
    )
    response = client.post("/api/v1/requests", body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {
        "intake": {"site": ["Surrogate characters are not allowed: U+D800."]}
    }


def test_a_query_parameter_a_path_or_a_header_with_nul_is_refused(world):
    client = signed_in_client(world.personas["owner"])
    client.raise_request_exception = False
    # Views that look a parameter up directly: the request type on the new-request page.
    assert client.get("/requests/new/", {"type": NUL}).status_code == 400
    assert client.get("/api/v1/requests", {"type": NUL}).json() == {"type": [NUL_MESSAGE]}
    assert client.get("/api/v1/requests/a%00b").status_code == 404
    # The session cookie is looked up, the user agent stored with sign-ins.
    assert client.get("/", HTTP_COOKIE="sessionid=abcdefgh\x00ijklmnop").status_code == 400
    signing_in = host_client(ACME).post(
        "/api/v1/auth/token",
        {"email": "owner@acme.example", "password": "whatever"},
        content_type="application/json",
        HTTP_USER_AGENT=NUL,
    )
    assert signing_in.status_code == 400


# Page forms: the refused field shows the error; the page is shown again.
PAGE_FORMS = [
    ("signup", None, "/signup/", lambda world: SIGNUP, list(SIGNUP)),
    ("company", "owner", "/clients/new/", lambda world: {"name": "Eastwind"}, ["name"]),
    (
        "request",
        "client_admin",
        "/requests/new/",
        lambda world: new_request_data(type=custom_type(world).key, **{"intake-site": "x.example"}),
        ["type", "title", "details", "priority", "intake-site"],
    ),
]


@pytest.mark.parametrize(
    ("persona", "path", "data", "fields"),
    [case[1:] for case in PAGE_FORMS],
    ids=[case[0] for case in PAGE_FORMS],
)
def test_page_forms_refuse_nul_with_a_form_error(world, persona, path, data, fields):
    base = data(world)
    for field in fields:
        client = signed_in_client(world.personas[persona]) if persona else host_client("localhost")
        response = client.post(path, base | {field: NUL})
        assert response.status_code == 200, field
        forms = [response.context["form"], response.context.get("intake_form")]
        errors = {
            form.add_prefix(name): messages
            for form in forms
            if form is not None
            for name, messages in form.errors.items()
        }
        assert errors.get(field) == [NUL_MESSAGE], (field, errors)


def openapi(urlconf: str) -> dict:
    return SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)


SCHEMAS = {TENANT_URLCONF: openapi(TENANT_URLCONF), PUBLIC_URLCONF: openapi(PUBLIC_URLCONF)}


def operations(methods) -> list:
    return [
        pytest.param(urlconf, path, method, id=f"{method.upper()} {path}")
        for urlconf, spec in SCHEMAS.items()
        for path, item in spec["paths"].items()
        for method in item
        if method in methods
    ]


def _deref(spec: dict, node: dict) -> dict:
    while "$ref" in node:
        node = spec["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    if "allOf" in node:  # an enum or nested serializer wrapped for its description
        return _deref(spec, node["allOf"][0])
    return node


def _plausible(node: dict):
    """A value of the right type for a field the walk is not testing."""
    if "enum" in node:
        return node["enum"][0]
    return {
        "integer": 1,
        "number": 1,
        "boolean": True,
        "array": [],
        "object": {},
        "string": {
            "email": "walker@example.com",
            "uri": "https://example.com/",
            "date": "2031-01-06",
            "date-time": "2031-01-06T09:00:00Z",
        }.get(node.get("format"), "walker"),
    }.get(node.get("type"), "walker")


def _unstorable(node: dict, bad: str):
    """``bad`` where ``node`` takes text: a string, strings in an array, a free-form object
    (keys and values); None where it takes none."""
    kind = node.get("type")
    if kind == "string" and node.get("format") != "binary":
        return bad
    if kind == "array" and node.get("items", {}).get("type") == "string":
        return [bad]
    if kind == "object" and "properties" not in node:
        return {"walker": bad, bad: "walker"}
    return None


def request_bodies(spec: dict, operation: dict):
    """(content type, field, body) for each text field of the operation's request body."""
    for content_type, media in operation.get("requestBody", {}).get("content", {}).items():
        if content_type not in ("application/json", "multipart/form-data"):
            continue  # the same serializer again, or a raw file body
        body_schema = _deref(spec, media["schema"])
        properties = {
            name: _deref(spec, node) for name, node in body_schema.get("properties", {}).items()
        }
        filled = {
            name: _plausible(node)
            for name, node in properties.items()
            if name in body_schema.get("required", ())
        }
        for name, node in properties.items():
            if content_type == "multipart/form-data" and node.get("type") != "string":
                continue  # multipart carries flat text parts and files
            for label, bad in UNSTORABLE.items():
                if content_type == "multipart/form-data" and label == "surrogate":
                    continue  # form parts are decoded with replacement characters
                value = _unstorable(node, bad)
                if value is not None:
                    yield content_type, name, label, filled | {name: value}


def _templates(urlconf: str, matrix: dict) -> dict[str, str]:
    """OpenAPI path ("/api/v1/clients/{company_id}/people") -> the route's name."""
    resolver = get_resolver(urlconf)
    templates = {}
    for name in matrix:
        for possibility, *_ in resolver.reverse_dict.getlist(name):
            for result, _params in possibility:
                templates["/" + re.sub(r"%\((\w+)\)s", r"{\1}", result)] = name
    return templates


ROUTES = {TENANT_URLCONF: TENANT_ROUTES, PUBLIC_URLCONF: PUBLIC_ROUTES}
TEMPLATES = {urlconf: _templates(urlconf, matrix) for urlconf, matrix in ROUTES.items()}


def concrete_path(world, urlconf: str, path: str) -> str:
    """``path`` with the ids of real objects, made as the access matrix makes them."""
    args = iter(ROUTES[urlconf][TEMPLATES[urlconf][path]].url_args(world))
    return re.sub(r"\{\w+\}", lambda _match: str(next(args)), path)


def callers(world, urlconf: str):
    """Clients to try in turn: on the platform host, anyone, then the admin operator (the
    console's API); on acme's, the owner first, then the others (only the named approver
    decides, only the author edits a message)."""
    if urlconf == PUBLIC_URLCONF:
        yield host_client("localhost")
        yield operator_sign_in(host_client("localhost"), world.personas["operator"].user)
        return
    for persona in SIGNED_IN_HERE:
        yield signed_in_client(world.personas[persona])


def send(client, method: str, path: str, content_type: str, body: dict):
    if content_type == "application/json":
        return getattr(client, method)(path, json.dumps(body), content_type=content_type)
    if method == "post":
        return client.post(path, body)  # the test client encodes multipart for POST only
    payload = encode_multipart(BOUNDARY, body)
    return getattr(client, method)(path, payload, content_type=MULTIPART_CONTENT)


def named(errors, field: str) -> bool:
    return isinstance(errors, dict) and field in errors


@pytest.mark.parametrize(("urlconf", "path", "method"), operations(WRITES))
def test_every_write_refuses_unstorable_text_with_a_field_error(world, urlconf, path, method):
    spec = SCHEMAS[urlconf]
    concrete = concrete_path(world, urlconf, path)
    people = callers(world, urlconf)
    client = next(people)
    for content_type, field, label, body in request_bodies(spec, spec["paths"][path][method]):
        response = send(client, method, concrete, content_type, body)
        while response.status_code in (401, 403) and (other := next(people, None)):
            client, response = other, send(other, method, concrete, content_type, body)
        where = f"{method.upper()} {concrete} ({content_type}) {label} in {field!r}"
        assert response.status_code == 400, f"{where}: {response.status_code}"
        assert named(response.json(), field), f"{where}: {response.content[:300]}"


@pytest.mark.parametrize(("urlconf", "path", "method"), operations(["get"]))
def test_every_read_refuses_unstorable_query_parameters(world, urlconf, path, method):
    spec = SCHEMAS[urlconf]
    documented = [
        parameter["name"]
        for parameter in spec["paths"][path][method].get("parameters", [])
        if parameter["in"] == "query"
    ]
    concrete, client = concrete_path(world, urlconf, path), next(callers(world, urlconf))
    for parameter in [*documented, "search"]:
        response = client.get(concrete, {parameter: NUL})
        where = f"GET {concrete}?{parameter}=a%00b"
        assert response.status_code == 400, f"{where}: {response.status_code}"
        assert named(response.json(), parameter), f"{where}: {response.content[:300]}"
