"""Project pages as the vetting index serves them, and who it thinks is asking: pure functions, no server."""

from __future__ import annotations

import base64
import json
from datetime import datetime, timedelta, timezone
from html.parser import HTMLParser

from jupyter_safepip.core.index import IndexFile, SimplePage, _parse_simple_html, _parse_simple_json
from jupyter_safepip.core.model import CheckError, Evidence, Finding, Severity
from jupyter_safepip.core.policy import FailMode, ListEntry, Policy
from jupyter_safepip.vetting.auth import token_from
from jupyter_safepip.vetting.judgement import judge
from jupyter_safepip.vetting.listing import Rules, file_path, listing, newest_release, render_html, render_json
from jupyter_safepip.vetting.records import FileCheck

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=timezone.utc)


def _file(version: str, age_days: float | None, sha: str, **extra) -> IndexFile:
    uploaded = (NOW - timedelta(days=age_days)).isoformat().replace("+00:00", "Z") if age_days is not None else None
    return IndexFile(f"demo-{version}-py3-none-any.whl", f"https://up.example/files/demo-{version}-py3-none-any.whl",
                     sha * 64, version, upload_time=uploaded, **extra)


def _check(sha: str, *findings: Finding, errors: tuple[CheckError, ...] = ()) -> FileCheck:
    return FileCheck(sha * 64, "r", "demo.whl", "demo", "1.0", findings, errors, NOW)


PTH = Finding("install-pth-exec", Severity.CRITICAL, "a .pth file runs code at every start-up", "demo",
              (Evidence("demo_hook.pth", 1, "exec(...)"),))
PAGE = SimplePage((_file("1.0", 400, "a", requires_python=">=3.9", size=10, core_metadata={"sha256": "m" * 64}),
                   _file("1.1", 300, "b", yanked=True, yanked_reason="broken"),
                   _file("2.0", 1, "c")), "quarantined", "reported")


def test_refused_denied_and_young_files_are_left_out_with_their_reasons():
    rules = Rules(Policy(deny=(ListEntry.parse("demo==1.1"),)), timedelta(days=3))
    shown = listing("demo", PAGE, rules, {"a" * 64: _check("a")}, NOW)
    assert [f.version for f in shown.files] == ["1.0"]
    reasons = {left.version: left.reason for left in shown.left_out}
    assert "deny list" in reasons["1.1"] and "cool-down of 3.0 days" in reasons["2.0"]
    refused = listing("demo", PAGE, Rules(Policy()), {"c" * 64: _check("c", PTH)}, NOW)
    assert [f.version for f in refused.files] == ["1.0", "1.1"]
    assert "a .pth file runs code" in refused.left_out[0].reason and "demo_hook.pth:1" in refused.left_out[0].reason


def test_a_cool_down_leaves_out_files_whose_age_cannot_be_told():
    page = SimplePage((_file("1.0", None, "a"),))
    assert listing("demo", page, Rules(Policy()), {}, NOW).files  # no cool-down: listed
    shown = listing("demo", page, Rules(Policy(), timedelta(days=1)), {}, NOW)
    assert not shown.files and "no upload time" in shown.left_out[0].reason


def test_the_newest_final_release_is_the_one_pip_would_pick():
    files = (_file("1.0", 9, "a"), _file("2.0rc1", 1, "b"), _file("1.5", 5, "c", yanked=True))
    assert newest_release(files)[0] == "1.0"
    assert newest_release((_file("2.0rc1", 1, "b"),))[0] == "2.0rc1"


def test_pages_keep_what_pip_resolves_with_in_both_formats():
    shown = listing("demo", PAGE, Rules(Policy()), {}, NOW)
    url = lambda f: file_path("demo", f)  # noqa: E731
    data = json.loads(render_json(shown, url))
    assert data["meta"]["api-version"] == "1.4" and data["project-status"] == {"status": "quarantined", "reason": "reported"}
    first = data["files"][0]
    assert first["requires-python"] == ">=3.9" and first["core-metadata"] == {"sha256": "m" * 64} and first["size"] == 10
    assert data["files"][1]["yanked"] == "broken" and data["versions"] == ["1.0", "1.1", "2.0"]
    page_url = "http://index.example/simple/demo/"
    again = _parse_simple_json(data, page_url)  # what the kernel's own reader makes of it
    assert [f.url for f in again.files][0] == "http://index.example/files/demo/demo-1.0-py3-none-any.whl"
    html = _parse_simple_html(render_html(shown, url).decode(), page_url)
    assert [(f.sha256, f.yanked, f.requires_python, f.core_metadata) for f in html.files] == \
        [(f.sha256, f.yanked, f.requires_python, f.core_metadata) for f in again.files]
    assert html.status == "quarantined"


def test_a_check_that_could_not_run_follows_the_fail_mode():
    failed = _check("a", errors=(CheckError("archive", "the scan ran out of time", "demo"),))
    assert not judge(Policy(fail_mode=FailMode.CLOSED), failed).served
    warned = judge(Policy(fail_mode=FailMode.WARN), failed)
    assert not warned.served and "could not check (the scan ran out of time)" in warned.reason
    assert judge(Policy(fail_mode=FailMode.WARN, unattended_warn_installs=True), failed).served
    assert judge(Policy(fail_mode=FailMode.OPEN), failed).served


def test_the_token_comes_from_basic_credentials_or_a_token_header():
    basic = "Basic " + base64.b64encode(b"alice:hub-token").decode()
    assert token_from(basic) == "hub-token"
    assert token_from("token abc") == token_from("Bearer abc") == "abc"
    assert token_from("Basic !!!") is None and token_from(None) is None
    assert token_from("Basic " + base64.b64encode(b"alice:").decode()) is None


def test_messages_never_show_an_index_urls_credentials():
    import requests

    from jupyter_safepip.core.http import describe_failure, without_credentials
    from jupyter_safepip.core.index import _host

    url = "http://alice:hub-token@index.example:8765/simple/demo/"
    assert without_credentials(url) == "http://index.example:8765/simple/demo/"
    assert "hub-token" not in _host(url) + describe_failure(requests.ConnectionError("refused"), url)
