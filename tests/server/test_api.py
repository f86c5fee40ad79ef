"""The REST API through a real Jupyter server: authentication, bad input, checks, history and policy."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import textwrap
import time
import warnings

import pytest
from tornado.httpclient import HTTPClientError

from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.server.handlers import MAX_BODY_BYTES
from tests.support.kernel_client import LocalKernel
from tests.support.slow_index import SLOW_PROJECT, slow_download_index
from tests.support.waits import scaled, timed_out

pytestmark = pytest.mark.integration

API = ("safepip", "api")


async def _json(jp_fetch, *names, **kwargs):
    response = await jp_fetch(*API, *names, **kwargs)
    assert response.headers["Content-Type"].startswith("application/json")
    return json.loads(response.body)


async def _error(jp_fetch, *names, **kwargs) -> tuple[int, dict]:
    with pytest.raises(HTTPClientError) as raised:
        await jp_fetch(*API, *names, **kwargs)
    return raised.value.code, json.loads(raised.value.response.body)


def _post(body) -> dict:
    return {"method": "POST", "body": body if isinstance(body, str) else json.dumps(body)}


@pytest.mark.parametrize(("method", "name"), [("GET", "history"), ("GET", "policy"), ("POST", "check"),
                                             ("POST", "checks"), ("GET", "checks/some-id")])
async def test_every_endpoint_needs_a_token(http_server_client, jp_serverapp, jp_base_url, method, name):
    url = f"{jp_base_url}safepip/api/{name}"
    response = await http_server_client.fetch(url, method=method, body="{}" if method == "POST" else None,
                                              raise_error=False)
    assert response.code in (401, 403)
    wrong = await http_server_client.fetch(url, method=method, body="{}" if method == "POST" else None,
                                           headers={"Authorization": "token not-the-token"}, raise_error=False)
    assert wrong.code in (401, 403)


async def test_a_post_with_a_cookie_but_no_xsrf_token_is_refused(http_server_client, jp_serverapp, jp_base_url):
    # A browser session (cookie) must also send the XSRF token on writes.
    url = f"{jp_base_url}safepip/api/check"
    response = await http_server_client.fetch(url, method="POST", body=json.dumps({"spec": "tidyutils"}),
                                              headers={"Cookie": "_xsrf=abc"}, raise_error=False)
    assert response.code == 403


def test_no_handler_is_left_unauthenticated(jp_environ):
    # The extension template's check: with unauthenticated access disallowed, the server warns for each
    # handler method that lacks @tornado.web.authenticated.
    from jupyter_server.serverapp import ServerApp
    from jupyter_server.utils import JupyterServerAuthWarning

    app = ServerApp(allow_unauthenticated_access=False, jpserver_extensions={"jupyter_safepip.server": True},
                    reraise_server_extension_failures=True)
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        app.initialize(argv=[], find_extensions=False, new_httpserver=False)
    unguarded = [str(r.message) for r in records if issubclass(r.category, JupyterServerAuthWarning)]
    assert not [w for w in unguarded if "safepip" in w], unguarded
    assert "jupyter_safepip.server" in app.extension_manager.extensions


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "JSON object"),
        ("[1, 2]", "JSON object"),
        ({}, "give a spec"),
        ({"spec": "   "}, "give a spec"),
        ({"spec": 3}, "spec must be a string"),
        ({"spec": "x", "extra": 1}, "unknown field"),
        ({"spec": "pandas>>=2"}, "invalid requirement"),
        ({"spec": "pip download pandas"}, "download"),
        ({"spec": "%pip list"}, "only pip install"),
        ({"spec": "install --no-such-option x"}, "no such option"),
        ({"spec": "a\nb"}, "one line"),
        ({"requirements": "tidyutils\n-r /etc/passwd\n"}, "the sidebar reads no files"),
        ({"spec": "-r /etc/passwd"}, "the sidebar reads no files"),
        ({"spec": "--constraint=/etc/passwd tidyutils"}, "the sidebar reads no files"),
        ({"requirements": "tidyutils\npandas>>=2\n"}, "the pasted list (line 2)"),
    ],
)
async def test_bad_check_requests_get_400_and_one_line(jp_fetch, body, message):
    code, error = await _error(jp_fetch, "check", **_post(body))
    assert code == 400
    assert message in error["message"] and "\n" not in error["message"]
    assert error["code"] in {"bad-request", "request-error"}


async def test_an_oversize_body_gets_413(jp_fetch):
    code, error = await _error(jp_fetch, "check", **_post({"requirements": "x\n" * MAX_BODY_BYTES}))
    assert code == 413 and error["code"] == "request-entity-too-large"


@pytest.mark.parametrize(
    ("query", "message"),
    [({"verdict": "blocked"}, "unknown verdict"), ({"limit": "ten"}, "whole number"), ({"limit": "0"}, "limit"),
     ({"offset": "-3"}, "offset")],
)
async def test_bad_history_queries_get_400(jp_fetch, query, message):
    code, error = await _error(jp_fetch, "history", params=query)
    assert code == 400 and message in error["message"]


async def test_checking_a_typo_squat_reports_it_and_records_it(jp_fetch, safepip_env):
    report = await _json(jp_fetch, "check", **_post({"spec": "reqeusts"}))
    assert report["schema_version"] == 1 and report["command"] == "pip install reqeusts"
    assert report["verdict"] in {"warn", "block"}
    findings = report["request_findings"] + [f for p in report["packages"] for f in p["findings"]]
    typo = [f for f in findings if f["suggestion"] == "requests"]
    assert typo and typo[0]["package"] == "reqeusts"

    history = await _json(jp_fetch, "history")
    assert history["total"] == 1
    (entry,) = history["entries"]
    assert (entry["package"], entry["decision"], entry["source"]) == ("reqeusts", "checked", "sidebar")
    assert entry["verdict"] == report["verdict"]
    assert any(f["suggestion"] == "requests" for f in entry["findings"])
    assert HistoryStore(safepip_env).count() == 1  # the file the configuration names


async def test_a_pasted_requirements_list_is_checked_with_its_dependencies(jp_fetch):
    text = "# our project\ntidyframe==1.0.0\n\ntidyutils>=1.0  # pinned below 2\n"
    report = await _json(jp_fetch, "check", **_post({"requirements": text}))
    names = {p["name"]: p for p in report["packages"]}
    assert {"tidyframe", "tidycore", "tidyutils"} <= set(names)
    assert names["tidyframe"]["requested"] and not names["tidycore"]["requested"]
    assert report["command"] == "pip install -r requirements.txt"
    assert report["verdict"] != "block"


async def test_a_spec_may_name_the_index_and_may_be_pasted_from_a_notebook(jp_fetch, package_index):
    report = await _json(jp_fetch, "check", **_post({"spec": f"%pip install -i {package_index.url} tidyutils==1.0.0"}))
    assert [(p["name"], p["version"]) for p in report["packages"]] == [("tidyutils", "1.0.0")]
    assert report["command"] == f"pip install -i {package_index.url} tidyutils==1.0.0"


async def _follow(jp_fetch, body, seconds: float = 120) -> list[dict]:
    """Start a check and poll it until it is done (or failed: HTTPClientError); every answer, in order."""
    started = await jp_fetch(*API, "checks", **_post(body))
    assert started.code == 202
    job_id = json.loads(started.body)["id"]
    answers: list[dict] = []
    deadline = time.monotonic() + scaled(seconds)
    while not answers or answers[-1]["state"] == "running":
        if time.monotonic() > deadline:
            timed_out(f"the check of {body} to finish (answers so far: {answers[-3:]})", seconds)
        answers.append(await _json(jp_fetch, "checks", job_id))
        await asyncio.sleep(0.1)  # the polling interval, not a wait for the result
    return answers


async def test_a_started_check_says_how_far_it_is_until_its_report(jp_fetch, safepip_env, tmp_path):
    with slow_download_index(tmp_path / "wheels") as index:
        answers = await _follow(jp_fetch, {"spec": f"-i {index.url} {SLOW_PROJECT}"})
    running = [a["progress"] for a in answers if a["state"] == "running" and a["progress"]]
    assert any(p["stage"] == "inspect" and p["message"].startswith(f"checking {SLOW_PROJECT} 1.0") for p in running), running
    assert all(set(p) == {"stage", "done", "total", "message"} for p in running)
    report = answers[-1]["report"]
    assert [(p["name"], p["version"]) for p in report["packages"]] == [(SLOW_PROJECT, "1.0")]
    assert report["verdict"] == "allow", report["reasons"]
    [entry] = (await _json(jp_fetch, "history"))["entries"]  # recorded as POST check records
    assert (entry["package"], entry["decision"], entry["source"]) == (SLOW_PROJECT, "checked", "sidebar")


async def test_a_started_check_that_fails_answers_as_post_check_would(jp_fetch):
    with pytest.raises(HTTPClientError) as raised:
        await _follow(jp_fetch, {"spec": "pandas>>=2"})
    error = json.loads(raised.value.response.body)
    assert raised.value.code == 400 and error["code"] == "request-error"
    assert "invalid requirement" in error["message"] and "\n" not in error["message"]


@pytest.mark.parametrize("body", ["not json", {}, {"spec": 3}, {"spec": "x", "extra": 1}])
async def test_a_check_that_cannot_start_gets_400_at_once(jp_fetch, body):
    code, error = await _error(jp_fetch, "checks", **_post(body))
    assert code == 400 and error["code"] == "bad-request" and "\n" not in error["message"]


@pytest.mark.parametrize("job_id", ["nope", "A" * 22, "%2e%2e", "x" * 500])
async def test_an_unknown_check_id_gets_404_and_one_line(jp_fetch, job_id):
    code, error = await _error(jp_fetch, "checks", job_id)
    assert code == 404 and error["code"] == "not-found"
    assert "no check with this id" in error["message"] and "\n" not in error["message"]


async def test_history_filters_and_pages_newest_first(jp_fetch, safepip_env):
    await _json(jp_fetch, "check", **_post({"spec": "reqeusts"}))
    await _json(jp_fetch, "check", **_post({"spec": "tidyutils==1.0.0"}))
    page = await _json(jp_fetch, "history", params={"limit": "1"})
    assert page["total"] == 2 and [e["package"] for e in page["entries"]] == ["tidyutils"]
    older = await _json(jp_fetch, "history", params={"limit": "1", "offset": "1"})
    assert [e["package"] for e in older["entries"]] == ["reqeusts"]
    flagged = older["entries"][0]["verdict"]
    only = await _json(jp_fetch, "history", params={"verdict": flagged})
    assert {e["package"] for e in only["entries"]} == {"reqeusts"}
    by_name = await _json(jp_fetch, "history", params={"package": "tidy"})
    assert [e["package"] for e in by_name["entries"]] == ["tidyutils"]


async def test_history_written_by_a_kernel_shows_up(jp_fetch, safepip_env, tmp_path):
    # A real ipykernel process writes to the shared store, as the magics do after a decision.
    code = textwrap.dedent(f"""
        from pathlib import Path
        from jupyter_safepip.core.history import HistoryStore
        from jupyter_safepip.core.model import Report, Verdict
        HistoryStore(Path({str(safepip_env)!r})).record(
            Report("pip install tidyframe", (), (), Verdict.ALLOW, True),
            decision="installed", source="magic", notebook="analysis.ipynb", kernel_id="kernel-A")
    """)
    kernel = LocalKernel([sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"], dict(os.environ),
                         tmp_path / "kernel")
    try:
        result = kernel.run(code, timeout=60)
        assert result.status == "ok", result.text
    finally:
        kernel.stop()
    (entry,) = (await _json(jp_fetch, "history"))["entries"]
    assert (entry["package"], entry["decision"], entry["source"]) == ("tidyframe", "installed", "magic")
    assert (entry["notebook"], entry["kernel_id"]) == ("analysis.ipynb", "kernel-A")


async def test_policy_names_the_layer_of_each_setting(jp_fetch, monkeypatch, safepip_env):
    monkeypatch.setenv("SAFEPIP_BLOCK_AT", "critical")
    policy = await _json(jp_fetch, "policy")
    settings = {s["name"]: s for s in policy["settings"]}
    assert settings["block_at"]["value"] == "critical" and settings["block_at"]["source"] == "env-var"
    assert settings["warn_at"]["source"] == "default" and settings["warn_at"]["locked"] is False
    assert settings["history_path"]["value"] == str(safepip_env)
    assert policy["history_path"] == str(safepip_env)
    assert all(s["help"] for s in policy["settings"])
    assert policy["refused"] == []


async def test_a_broken_configuration_is_a_400_with_the_reason(jp_fetch, monkeypatch):
    monkeypatch.setenv("SAFEPIP_OFFLINE", "perhaps")
    code, error = await _error(jp_fetch, "policy")
    assert code == 400 and error["code"] == "config-error" and "SAFEPIP_OFFLINE" in error["message"]


async def test_locked_settings_and_refused_changes_are_reported(jp_fetch, monkeypatch, tmp_path):
    admin = tmp_path / "etc-jupyter"
    admin.mkdir()
    (admin / "jupyter_safepip_config.json").write_text(json.dumps({"SafePip": {"block_at": "medium", "locked": ["block_at"]}}))
    user = tmp_path / "user-jupyter"
    user.mkdir()
    (user / "jupyter_safepip_config.json").write_text(json.dumps({"SafePip": {"block_at": "critical"}}))
    # Admin layers are those under sys.prefix or /etc; the test's admin directory sits under sys.prefix's twin.
    import jupyter_safepip.config as config

    monkeypatch.setattr(config, "_layer_name", lambda d: "system" if d == admin else "user")
    monkeypatch.setattr("jupyter_core.paths.jupyter_config_path", lambda: [str(user), str(admin)])
    policy = await _json(jp_fetch, "policy")
    block_at = next(s for s in policy["settings"] if s["name"] == "block_at")
    assert block_at == {**block_at, "value": "medium", "source": "system", "locked": True}
    assert any("block_at is locked" in r for r in policy["refused"])


async def test_a_check_through_another_index_than_the_locked_one_is_refused_and_recorded(jp_fetch, monkeypatch,
                                                                                        tmp_path, safepip_env):
    admin = tmp_path / "etc-jupyter"
    admin.mkdir()
    trusted = "https://vetted.example.invalid/simple"
    (admin / "jupyter_safepip_config.json").write_text(
        json.dumps({"SafePip": {"index_url": trusted, "locked": ["index_url"]}}))
    import jupyter_safepip.config as config

    monkeypatch.setattr(config, "_layer_name", lambda d: "system")
    monkeypatch.setattr("jupyter_core.paths.jupyter_config_path", lambda: [str(admin)])
    code, error = await _error(jp_fetch, "check", **_post({"spec": "-i http://127.0.0.1:9/simple tidyutils"}))
    assert code == 400 and f"allows only the index {trusted}" in error["message"]
    [entry] = HistoryStore(safepip_env).query()
    assert entry.source == "sidebar" and entry.decision == "blocked"
    assert entry.command.startswith("pip install -i http://127.0.0.1:9/simple")
