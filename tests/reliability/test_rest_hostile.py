"""The REST API under hostile input, on a real Jupyter server: no token, a wrong token, cross-site writes,
oversize bodies, and property-based requests to every endpoint generated from docs/api/openapi.yaml."""

from __future__ import annotations

import asyncio
import functools
import inspect
import json
import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis import GenerationMode

from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.server.handlers import MAX_BODY_BYTES
from tests.reliability.conftest import tally
from tests.server.conftest import *  # noqa: F401,F403 - the real server with the extension (jp_serverapp, ...)
from tests.support.waits import scaled

pytestmark = pytest.mark.integration

SPEC = Path(__file__).parents[2] / "docs" / "api" / "openapi.yaml"
ENDPOINTS = [("GET", "history"), ("GET", "policy"), ("POST", "check"), ("POST", "checks"), ("GET", "checks/some-id")]
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]
REFUSED = {401, 403}
# Examples per operation and mode; POST check runs pip's resolver, so it gets fewer, and POST checks starts it.
EXAMPLES = {"GET /history": 300, "GET /policy": 30, "POST /check": 100, "POST /checks": 30, "GET /checks/{id}": 100}


def on_server_loop(test):
    """Run an async test on the server's event loop (pytest-jupyter's async runner is a hook of tests/server only)."""

    @functools.wraps(test)
    def run(jp_asyncio_loop, **kwargs):
        jp_asyncio_loop.run_until_complete(test(**kwargs))

    keyword = inspect.Parameter.KEYWORD_ONLY
    params = [p.replace(kind=keyword) for p in inspect.signature(test).parameters.values()]
    run.__signature__ = inspect.Signature([inspect.Parameter("jp_asyncio_loop", keyword), *params])
    return run


def _body(method: str) -> str | None:
    return json.dumps({"spec": "tidyutils"}) if method in {"POST", "PUT", "PATCH"} else None


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("name", [n for _, n in ENDPOINTS])
@pytest.mark.parametrize("auth", [None, "token not-the-token", "Bearer not-the-token", "Basic dXNlcjpwYXNz", "token "])
@on_server_loop
async def test_no_valid_token_no_answer(http_server_client, jp_serverapp, jp_base_url, safepip_env, method, name, auth):
    tally("hostile inputs")
    headers = {"Authorization": auth} if auth else {}
    response = await http_server_client.fetch(f"{jp_base_url}safepip/api/{name}", method=method, body=_body(method),
                                              headers=headers, raise_error=False, allow_nonstandard_methods=True)
    assert response.code in REFUSED, (method, name, auth, response.code)
    assert b"entries" not in response.body and b"settings" not in response.body
    assert not safepip_env.exists() or HistoryStore(safepip_env).count() == 0


async def _browser_session(client, base: str, token: str) -> dict[str, str]:
    """Log in as a browser does (the login form, with the token as password); returns its cookies."""
    login = f"{base}login"
    page = await client.fetch(login, raise_error=False, follow_redirects=False)
    cookies = _cookies(page)
    form = urlencode({"password": token, "_xsrf": cookies["_xsrf"]})
    done = await client.fetch(login, method="POST", body=form, raise_error=False, follow_redirects=False,
                              headers={"Cookie": _cookie_header(cookies)})
    assert done.code in (302, 303), done.code
    cookies.update(_cookies(done))
    assert any(name.startswith("username-") for name in cookies), cookies
    return cookies


def _cookies(response) -> dict[str, str]:
    found = {}
    for header in response.headers.get_list("Set-Cookie"):
        name, _, rest = header.partition("=")
        found[name.strip()] = rest.split(";", 1)[0].strip('"')
    return found


def _cookie_header(cookies: dict[str, str]) -> str:
    return "; ".join(f"{k}={v}" for k, v in cookies.items())


@on_server_loop
async def test_a_logged_in_browser_needs_the_xsrf_token_and_the_same_origin(
    http_server_client, jp_serverapp, jp_base_url, jp_http_port, safepip_env
):
    client, token = http_server_client, jp_serverapp.identity_provider.token
    cookies = await _browser_session(client, jp_base_url, token)
    url = f"{jp_base_url}safepip/api/check"
    body = json.dumps({"spec": "tidyutils==1.0.0"})
    host = f"127.0.0.1:{jp_http_port}"

    async def post(headers):
        tally("hostile inputs")
        return await client.fetch(url, method="POST", body=body, raise_error=False,
                                  headers={"Cookie": _cookie_header(cookies), "Host": host, **headers})

    # What another site can make the browser send: the cookie, but no XSRF header it cannot read.
    assert (await post({})).code == 403
    assert (await post({"X-XSRFToken": "forged"})).code == 403
    assert (await post({"X-XSRFToken": cookies["_xsrf"], "Origin": "http://evil.example"})).code in REFUSED | {404}
    assert not safepip_env.exists() or HistoryStore(safepip_env).count() == 0
    # The same browser on the same origin, with the token it can read: the check runs.
    same = await post({"X-XSRFToken": cookies["_xsrf"], "Origin": f"http://{host}"})
    assert same.code == 200, same.body[:300]
    assert HistoryStore(safepip_env).count() == 1
    # The session can read, but not from another origin.
    read = await client.fetch(f"{jp_base_url}safepip/api/history", raise_error=False,
                              headers={"Cookie": _cookie_header(cookies), "Host": host, "Origin": "http://evil.example"})
    assert read.code in REFUSED | {404}


@pytest.mark.parametrize("size", [MAX_BODY_BYTES + 1, 4 * MAX_BODY_BYTES, 20 * 1024 * 1024])
@on_server_loop
async def test_oversize_bodies_are_refused(http_server_client, jp_serverapp, jp_base_url, jp_auth_header, safepip_env, size):
    tally("hostile inputs")
    body = json.dumps({"requirements": "x" * size})
    response = await http_server_client.fetch(f"{jp_base_url}safepip/api/check", method="POST", body=body,
                                              headers=jp_auth_header, raise_error=False)
    assert response.code == 413
    assert json.loads(response.body)["code"] == "request-entity-too-large"
    assert not safepip_env.exists() or HistoryStore(safepip_env).count() == 0


@pytest.mark.parametrize(
    ("name", "query"),
    [("history", "limit=99999999999999999999999"), ("history", "limit=1e3"), ("history", "offset=-0x10"),
     ("history", "verdict=allow'%20OR%201=1--"), ("history", "package=%00%ff%fe"), ("history", "limit=%00"),
     ("history", "package=" + "a" * 5000), ("policy", "x=%ff")],
)
@on_server_loop
async def test_hostile_queries_get_an_answer_not_a_crash(http_server_client, jp_serverapp, jp_base_url, jp_auth_header,
                                                          safepip_env, name, query):
    tally("hostile inputs")
    response = await http_server_client.fetch(f"{jp_base_url}safepip/api/{name}?{query}", headers=jp_auth_header,
                                              raise_error=False)
    assert response.code in (200, 400), (query, response.code, response.body[:200])
    assert set(json.loads(response.body)) >= ({"code", "message"} if response.code == 400 else set())


@pytest.mark.parametrize("body", [
    {"requirements": "~.57"}, {"spec": "~nosuchuser/pkg"}, {"spec": "\x00"}, {"spec": "'unterminated"},
    {"requirements": "\ud800"}, {"spec": "tidyutils", "requirements": "-r /proc/self/environ\n"},
    {"spec": "$(id) `id` ; rm -rf ~"}, {"requirements": "-e .\n"}, {"spec": "-r /dev/null"},
])
@on_server_loop
async def test_hostile_check_bodies_get_an_answer_not_a_crash(http_server_client, jp_serverapp, jp_base_url,
                                                              jp_auth_header, safepip_env, body):
    tally("hostile inputs")
    response = await http_server_client.fetch(f"{jp_base_url}safepip/api/check", method="POST", body=json.dumps(body),
                                              headers=jp_auth_header, raise_error=False, request_timeout=scaled(120))
    assert response.code in (200, 400), (body, response.code, response.body[:300])


# ---- property-based: every operation of the OpenAPI description, positive and negative data ------------------

def _operations():
    schema = schemathesis.openapi.from_path(str(SPEC))
    return [result.ok() for result in schema.get_all_operations()]


OPERATIONS = _operations()
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_the_description_covers_every_route():
    assert sorted(f"{op.method.upper()} /{op.path.strip('/')}" for op in OPERATIONS) == sorted(EXAMPLES)


# Negative data needs something to break: /policy takes no parameters and no body, any id is a string.
RUNS = [pytest.param(op, mode, id=f"{op.method.upper()} {op.path} {mode.value}")
        for op in OPERATIONS for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
        if mode is GenerationMode.POSITIVE or op.path not in ("/policy", "/checks/{id}")]


@pytest.mark.parametrize(("operation", "mode"), RUNS)
@on_server_loop
async def test_every_endpoint_against_its_description(http_server_client, jp_http_port, jp_base_url, jp_auth_header,
                                                      safepip_env, operation, mode):
    base_url = f"http://127.0.0.1:{jp_http_port}{jp_base_url}safepip/api"
    key = f"{operation.method.upper()} {operation.path}"
    codes: list[int] = []

    @settings(max_examples=EXAMPLES[key], deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        tally("hostile inputs")
        response = case.call(base_url=base_url, headers=jp_auth_header, timeout=scaled(60))
        codes.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    # The server answers on this event loop: the synchronous client runs beside it, in a thread.
    await asyncio.to_thread(run)
    assert codes and all(code < 500 for code in codes)
    if mode is GenerationMode.NEGATIVE:
        assert any(code == 400 for code in codes), codes


def test_the_description_says_what_the_handlers_refuse():
    text = SPEC.read_text()
    assert re.search(r'"413":\s*\n\s*description: The request body is larger than 256 KiB', text)
    assert MAX_BODY_BYTES == 256 * 1024
