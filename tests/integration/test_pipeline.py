"""The whole pipeline against a real index on 127.0.0.1, real pip and a throwaway venv."""

from __future__ import annotations

import hashlib
import http.server
import json
import re
import shlex
import subprocess
import sys
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.core.model import Severity, Verdict
from jupyter_safepip.core.policy import ListEntry, Policy
from jupyter_safepip.core.settings import Settings
from jupyter_safepip.guard import Guard, IncompleteRequest
from jupyter_safepip.text_report import render_text
from jupyter_safepip.testing.builders import build_sdist, build_wheel, canary_sdist
from jupyter_safepip.testing.index import PackageIndex
from tests.conftest import ESTABLISHED
from tests.support.installed import recorded_hashes
from tests.support.slow_index import SLOW_PROJECT, slow_download_index

pytestmark = pytest.mark.integration


@pytest.fixture
def guard(pip_uses_index, target_env, tmp_path) -> Guard:
    return Guard(Settings(python=target_env.python, cache_dir=tmp_path / "safepip-cache"))


def check(guard: Guard, line: str):
    request = guard.parse(line)
    return guard.check(request, line)


def rule_ids(report, package: str | None = None) -> set[str]:
    found = {f.rule_id for f in report.request_findings}
    for p in report.packages:
        if package is None or p.candidate.name == package:
            found |= {f.rule_id for f in p.findings}
    return found


def test_benign_chain_is_resolved_by_pip_and_allowed(guard):
    report = check(guard, "install tidyframe").report
    assert {p.candidate.name for p in report.packages} == {"tidyframe", "tidycore", "tidyutils"}
    assert report.verdict is Verdict.ALLOW, report.reasons
    frame = next(p for p in report.packages if p.candidate.name == "tidyframe")
    assert frame.candidate.requested and frame.candidate.version == "1.2.0"
    assert all(p.candidate.sha256 for p in report.packages)


def test_progress_says_what_was_read_and_how_long_is_left(guard):
    events = []
    request = guard.parse("install tidyframe")
    guard.check(request, "install tidyframe", progress=events.append)
    inspect = [e for e in events if e.stage == "inspect"]
    assert [e.done for e in inspect] == [1, 2, 3] and {e.total for e in inspect} == {3}
    assert {e.message.split()[1] for e in inspect} == {"tidyframe", "tidycore", "tidyutils"}
    assert all("MB, " in e.message and "files read" in e.message for e in inspect)
    assert all("left)" in e.message for e in inspect[:-1]) and "left" not in inspect[-1].message
    files_read = [int(e.message.split(" MB, ")[1].split(" files")[0].replace(",", "")) for e in inspect]
    assert files_read == sorted(files_read) and files_read[-1] >= 3
    assert [e.stage for e in events][-1] == "decide"


def test_a_long_download_keeps_saying_what_is_being_checked(guard, tmp_path, monkeypatch):
    with slow_download_index(tmp_path / "wheels") as index:
        monkeypatch.setenv("PIP_INDEX_URL", index.url)
        events = []
        guard.check(guard.parse(f"install {SLOW_PROJECT}"), f"install {SLOW_PROJECT}", progress=events.append)
        wheel = next((tmp_path / "wheels").glob("*.whl"))
    inspect = [e for e in events if e.stage == "inspect"]
    assert inspect[-1].message.startswith(f"checked {SLOW_PROJECT} 1.0 (1 of 1;"), [e.message for e in inspect]
    waiting = [e.message for e in inspect[:-1]]
    assert waiting and all(m.startswith(f"checking {SLOW_PROJECT} 1.0") for m in waiting), waiting
    size = f"{wheel.stat().st_size / 1e6:,.1f}"
    assert any(re.match(rf"checking {SLOW_PROJECT} 1\.0: \d\.\d MB of {re.escape(size)} MB downloaded \(0 of 1;", m)
               for m in waiting), waiting


def test_typo_squat_is_blocked_with_did_you_mean(guard):
    report = check(guard, "install reqeusts").report
    assert report.verdict is Verdict.BLOCK
    finding = next(f for p in report.packages for f in p.findings if f.rule_id == "name.typo")
    assert finding.suggestion == "requests"
    assert "meta.new-project" in rule_ids(report) and "meta.single-release" in rule_ids(report)


def test_a_brand_new_project_that_resembles_a_popular_name_is_blocked(guard):
    report = check(guard, "install celery-routing").report
    young = next(f for p in report.packages for f in p.findings if f.rule_id == "name.young-lookalike")
    assert (young.severity, young.suggestion) == (Severity.HIGH, "celery")
    assert report.verdict is Verdict.BLOCK


def test_an_established_project_that_resembles_a_popular_name_gets_only_the_hint(guard):
    report = check(guard, "install celery-tidyqueue").report
    assert {"name.resembles"} <= rule_ids(report) and "name.young-lookalike" not in rule_ids(report)
    assert report.verdict is Verdict.ALLOW, report.reasons


def test_an_established_typo_of_a_popular_name_warns_instead_of_blocking(guard):
    report = check(guard, "install pandsa").report
    typo = next(f for p in report.packages for f in p.findings if f.rule_id == "name.typo")
    assert (typo.severity, typo.suggestion) == (Severity.MEDIUM, "pandas")
    assert "established" in typo.message
    assert report.verdict is Verdict.WARN, report.reasons


def test_not_found_names_suggest_the_popular_project(guard):
    report = check(guard, "install nunpy").report
    assert report.verdict is Verdict.BLOCK
    not_found = next(f for f in report.request_findings if f.rule_id == "meta.not-found")
    assert not_found.suggestion == "numpy"


@pytest.mark.parametrize(
    ("line", "rule", "verdict"),
    [
        ("install oldlib==2.0.0", "meta.yanked", Verdict.BLOCK),
        ("install freshpkg", "meta.new-project", Verdict.WARN),
        ("install shadylib", "meta.quarantined", Verdict.BLOCK),
        ("install vulnlib==1.0.0", "meta.vulnerable", Verdict.WARN),  # information for the user, not malware
        ("install pthpkg", "install-pth-executable", Verdict.BLOCK),
    ],
)
def test_metadata_and_archive_rules_reach_the_verdict(guard, line, rule, verdict):
    report = check(guard, line).report
    assert any(r.startswith(rule) for r in rule_ids(report)), rule_ids(report)
    assert report.verdict is verdict


def test_an_administrator_can_raise_a_rule_to_block(guard):
    raised = Guard(replace(guard.settings, policy=replace(guard.settings.policy,
                                                          rule_severity=(("meta.vulnerable", Severity.HIGH),))))
    report = check(raised, "install vulnlib==1.0.0").report
    assert report.verdict is Verdict.BLOCK
    finding = next(f for p in report.packages for f in p.findings if f.rule_id == "meta.vulnerable")
    assert finding.severity is Severity.HIGH and "Severity set by the policy" in finding.message


def test_canary_sdist_is_inspected_and_never_built(guard, pip_uses_index, target_env):
    before = target_env.pip_list()
    assessment = check(guard, "install canarypkg")
    report = assessment.report
    assert report.verdict >= Verdict.WARN
    assert [p.candidate.filename for p in report.packages] == ["canarypkg-1.0.0.tar.gz"]
    assert "secrets-env-dump" in rule_ids(report)
    assert not pip_uses_index.canary_marker.exists(), "setup.py ran before the verdict"
    # The CLI's install path refuses a block with nobody to ask; nothing changes.
    result = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "install", "canarypkg"],
                            capture_output=True, text=True, env=_cli_env(guard, pip_uses_index))
    assert result.returncode in (1, 2, 3), result.stderr
    assert "nothing was installed" in result.stderr
    assert not pip_uses_index.canary_marker.exists()
    assert target_env.pip_list() == before


def test_an_allow_entry_does_not_let_pip_build_a_flagged_sdist_before_the_verdict(
        pip_uses_index, target_env_with_build_tools, tmp_path):
    """The allow list skips the verdict, not the inspection that must come before pip builds a source package."""
    policy = Policy(allow=(ListEntry.parse("canarypkg"),))
    guard = Guard(Settings(policy=policy, python=target_env_with_build_tools.python, cache_dir=tmp_path / "cache"))
    assessment = check(guard, "install canarypkg")
    assert not pip_uses_index.canary_marker.exists(), "setup.py ran before the verdict"
    assert "secrets-env-dump" in rule_ids(assessment.report)
    assert assessment.unresolved and "not allowed to build" in assessment.unresolved
    with pytest.raises(IncompleteRequest):
        guard.install(assessment)
    assert not pip_uses_index.canary_marker.exists()


def test_a_denied_name_is_blocked_even_when_pip_cannot_resolve_it(pip_uses_index, target_env, tmp_path):
    policy = Policy(deny=(ListEntry.parse("No_Such_Project"),))
    guard = Guard(Settings(policy=policy, python=target_env.python, cache_dir=tmp_path / "cache"))
    report = check(guard, "install no-such-project").report
    assert report.verdict is Verdict.BLOCK and not report.install_anyway_allowed
    assert any("on the deny list" in r for r in report.reasons), report.reasons


def test_clean_sdist_is_inspected_then_built_and_installed(pip_uses_index, target_env_with_build_tools, tmp_path):
    target_env = target_env_with_build_tools
    guard = Guard(Settings(python=target_env.python, cache_dir=tmp_path / "safepip-cache"))
    assessment = check(guard, "install cleansdist")
    assert assessment.report.verdict is Verdict.ALLOW, assessment.report.reasons
    assert [a.candidate.filename for a in assessment.artifacts] == ["cleansdist-1.0.0.tar.gz"]
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    assert target_env.imports("cleansdist")


def test_allowed_install_installs_exactly_the_inspected_files(guard, target_env):
    assessment = check(guard, "install tidyframe")
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    assert target_env.imports("tidyframe")
    installed = recorded_hashes(target_env.path, [a.path for a in assessment.artifacts])
    for artifact in assessment.artifacts:
        assert hashlib.sha256(artifact.path.read_bytes()).hexdigest() == artifact.sha256
        assert installed[artifact.candidate.name] == artifact.sha256
    # Installed by name from the inspected files, so the environment reads as an ordinary index install.
    frozen = subprocess.run([target_env.python, "-m", "pip", "freeze"], capture_output=True, text=True, check=True).stdout
    assert {f"{a.candidate.name}=={a.candidate.version}" for a in assessment.artifacts} <= set(frozen.split()), frozen
    assert "file://" not in frozen


@pytest.mark.parametrize(("package", "why"), [("reqeusts", "Did you mean 'requests'?"), ("pthpkg", "install-pth-executable")])
def test_blocked_install_changes_nothing(guard, pip_uses_index, target_env, package, why):
    before = target_env.pip_list()
    result = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "install", package, "tidyframe"],
                            capture_output=True, text=True, env=_cli_env(guard, pip_uses_index))
    assert result.returncode == 2
    assert why in result.stdout
    assert target_env.pip_list() == before
    assert not target_env.imports(package)
    assert not list(target_env.path.glob("lib/python3*/site-packages/pthpkg*"))


def test_a_file_swapped_after_the_check_is_not_installed(guard, target_env):
    assessment = check(guard, "install tidyutils")
    artifact = assessment.artifacts[0]
    artifact.path.write_bytes(artifact.path.read_bytes() + b"tampered")
    with pytest.raises(Exception, match="changed after it was checked"):
        guard.install(assessment)
    assert not target_env.imports("tidyutils")


def test_offline_mode_uses_the_cache_and_says_what_it_skipped(guard, pip_uses_index):
    warm = check(guard, "install tidyframe").report
    offline = Guard(replace(guard.settings, offline=True))
    report = check(offline, "install tidyframe").report
    assert {p.candidate.name for p in report.packages} == {p.candidate.name for p in warm.packages}
    assert not report.could_not_check  # everything was cached
    fresh = Guard(replace(guard.settings, offline=True, cache_dir=guard.settings.cache_dir.parent / "empty-cache"))
    cold = check(fresh, "install tidyutils").report
    assert cold.could_not_check
    reasons = " ".join(e.reason for e in cold.errors) + " ".join(e.reason for p in cold.packages for e in p.errors)
    assert "offline" in reasons
    assert cold.verdict is Verdict.WARN  # default fail mode: ask


def test_offline_mode_never_contacts_the_index(guard, pip_uses_index):
    """Offline, pip resolves from the files kept by earlier checks, and the index is not asked at all."""
    check(guard, "install tidyframe")
    before = len(pip_uses_index.index.hits_for("/"))
    offline = Guard(replace(guard.settings, offline=True))
    warm = check(offline, "install tidyframe").report
    cold = check(offline, "install oldlib").report  # never checked before: nothing kept
    assert len(pip_uses_index.index.hits_for("/")) == before  # neither pip nor safepip asked the index
    assert {p.candidate.name for p in warm.packages} == {"tidyframe", "tidycore", "tidyutils"}
    assert not warm.could_not_check, [e.reason for p in warm.packages for e in p.errors]
    assert cold.could_not_check and "offline" in " ".join(e.reason for e in cold.errors)


def test_check_cli_json_and_exit_codes(guard, pip_uses_index):
    env = _cli_env(guard, pip_uses_index)
    ok = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "check", "--json", "tidyframe"], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    data = json.loads(ok.stdout)
    assert data["verdict"] == "allow" and data["schema_version"] == 1
    warn = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "check", "freshpkg"], capture_output=True, text=True, env=env)
    assert warn.returncode == 1
    bad = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "check", "pan das"], capture_output=True, text=True, env=env)
    assert bad.returncode == 64 and "invalid requirement" in bad.stderr and "Traceback" not in bad.stderr


def test_check_cli_help_a_closed_pipe_and_names_pip_never_reached(guard, pip_uses_index):
    env = _cli_env(guard, pip_uses_index)
    cli = [sys.executable, "-m", "jupyter_safepip.cli"]
    helped = subprocess.run([*cli, "check", "--help"], capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and "safepip check [--json]" in helped.stdout
    piped = subprocess.run(f"{shlex.join(cli)} check --json reqeusts | head -c 1", shell=True, capture_output=True,
                           text=True, env=env)
    assert piped.stdout == "{" and "Traceback" not in piped.stderr and "BrokenPipe" not in piped.stderr
    unknown = subprocess.run([*cli, "check", "no-such-project-here", "tidyframe"], capture_output=True, text=True, env=env)
    assert "tidyframe: not checked: pip stopped at no-such-project-here" in unknown.stdout, unknown.stdout


def test_a_name_not_on_the_index_offers_no_install_anyway_and_the_cli_says_why(guard, pip_uses_index, target_env):
    before = target_env.pip_list()
    assessment = check(guard, "install no-such-project-here")
    assert assessment.unresolved == "no-such-project-here is not on the index"
    assert assessment.report.verdict is Verdict.BLOCK and not assessment.report.install_anyway_allowed
    with pytest.raises(IncompleteRequest):
        guard.install(assessment)
    history = guard.settings.cache_dir.parent / "history.sqlite"
    env = {**_cli_env(guard, pip_uses_index), "SAFEPIP_HISTORY_PATH": str(history)}
    cli = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "install", "--yes", "no-such-project-here"],
                         capture_output=True, text=True, env=env)
    assert cli.returncode == 2, cli.stderr
    assert "nothing was installed: pip never worked out the whole request (no-such-project-here is not on the index)" in cli.stderr
    assert target_env.pip_list() == before
    recorded = HistoryStore(history).query(verdict=None, package=None, limit=5, offset=0)
    assert [(e.source, e.decision) for e in recorded] == [("cli", "blocked")]


def test_a_version_that_does_not_exist_is_not_called_a_missing_project(guard):
    assessment = check(guard, "install tidyframe==9.9")
    report = assessment.report
    assert "meta.not-found" not in rule_ids(report)
    error = next(e for e in report.errors if e.package == "tidyframe")
    assert "no release matches tidyframe==9.9" in error.reason and "1.2.0" in error.reason, error.reason
    assert assessment.unresolved and not report.install_anyway_allowed


def test_install_anyway_on_a_request_pip_never_worked_out_installs_nothing_and_says_so(guard, target_env):
    before = target_env.pip_list()
    assessment = check(guard, "install tidyutils git+https://127.0.0.1:9/x.git#egg=x")
    assert assessment.unresolved and "VCS" in assessment.unresolved
    with pytest.raises(IncompleteRequest, match="nothing was installed: pip never worked out the whole request"):
        guard.install(assessment)
    assert target_env.pip_list() == before


def test_check_says_when_everything_is_already_installed(guard, pip_uses_index, target_env):
    assert guard.install(check(guard, "install tidyutils")).returncode == 0
    report = check(guard, "install tidyutils").report
    assert report.packages == () and "already satisfied" in render_text(report)
    # A flagged name that is already there: its findings are shown, but there is nothing to decide.
    assert guard.install(check(guard, "install reqeusts")).returncode == 0
    again = check(guard, "install reqeusts")
    assert again.nothing_to_install and again.report.verdict is Verdict.BLOCK
    cli = subprocess.run([sys.executable, "-m", "jupyter_safepip.cli", "install", "reqeusts"], capture_output=True,
                         text=True, env=_cli_env(guard, pip_uses_index))
    assert cli.returncode == 0 and "already satisfied" in cli.stdout, cli.stdout + cli.stderr
    assert "Install anyway" not in cli.stdout + cli.stderr and "nothing was installed" not in cli.stderr


def _cli_env(guard: Guard, index) -> dict[str, str]:
    import os

    env = dict(os.environ)
    env["SAFEPIP_CACHE_DIR"] = str(guard.settings.cache_dir)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    # The CLI installs into the interpreter that runs it; point it at the throwaway venv's pip instead.
    env["SAFEPIP_PYTHON"] = guard.settings.python
    return env


def test_local_source_tree_is_inspected_before_pip_builds_it(guard, target_env, tmp_path):
    tree = tmp_path / "localpkg"
    tree.mkdir()
    marker = tmp_path / "LOCAL_SETUP_RAN"
    (tree / "setup.py").write_text(
        "import json, os, pathlib\n"
        f"pathlib.Path({str(marker)!r}).write_text(json.dumps(dict(os.environ)))\n"
        "from setuptools import setup\nsetup(name='localpkg', version='1.0')\n"
    )
    report = check(guard, f"install {tree}").report
    assert report.verdict >= Verdict.WARN
    assert "secrets-env-dump" in rule_ids(report)
    assert not marker.exists(), "pip built the tree before it was inspected"


def test_a_local_archive_named_without_a_path_is_inspected_before_pip_builds_it(guard, tmp_path, monkeypatch):
    marker = tmp_path / "ARCHIVE_SETUP_RAN"
    sdist = canary_sdist(tmp_path / "dist", marker)
    monkeypatch.chdir(tmp_path)
    for typed in ("canarypkg-1.0.0.tgz", "canarypkg-1.0.0.tar[extra]"):  # pip reads both as local archives
        Path(typed.split("[")[0]).write_bytes(sdist.read_bytes())  # .tar holds gzip bytes: pip sniffs, so does the scan
        report = check(guard, f"install {typed}").report
        assert report.verdict >= Verdict.WARN and "secrets-env-dump" in rule_ids(report), typed
    assert not marker.exists(), "pip built an archive the check took for a name"


@pytest.fixture
def swapping_server(tmp_path):
    """A server on 127.0.0.1 that serves a clean sdist the first time and a canary under the same URL after."""
    marker = tmp_path / "SWAPPED_SETUP_RAN"
    bodies = [build_sdist(tmp_path / "clean", "swappkg", "1.0.0").read_bytes(),
              canary_sdist(tmp_path / "evil", marker, name="swappkg").read_bytes()]
    served: list[int] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            body = bodies[min(len(served), 1)]
            served.append(len(body))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/swappkg-1.0.0.tar.gz", marker, served
    server.shutdown()


def test_an_sdist_by_url_is_fetched_once_and_pip_builds_the_inspected_copy(swapping_server, target_env_with_build_tools,
                                                                            tmp_path):
    url, marker, served = swapping_server
    guard = Guard(Settings(python=target_env_with_build_tools.python, cache_dir=tmp_path / "safepip-cache"))
    report = check(guard, f"install {url}").report
    errors = [e.check for p in report.packages for e in p.errors]
    assert errors == ["metadata"], errors  # a URL has no index metadata; pip resolved it (from the kept copy)
    assert [p.candidate.name for p in report.packages] == ["swappkg"] and not report.packages[0].findings
    assert len(served) == 1, "the URL was fetched again after its inspection"
    assert not marker.exists(), "pip built a copy that was never inspected"


def test_a_local_archive_or_tree_is_listed_once_under_its_project_name(pip_uses_index, target_env_with_build_tools,
                                                                       tmp_path):
    guard = Guard(Settings(python=target_env_with_build_tools.python, cache_dir=tmp_path / "safepip-cache"))
    renamed = tmp_path / "download.tar.gz"  # a file name the user chose: not faulted for it
    renamed.write_bytes(build_sdist(tmp_path / "dist", "my-tidy-pkg", "1.0.0").read_bytes())
    tree = tmp_path / "proj"
    tree.mkdir()
    (tree / "setup.py").write_text("from setuptools import setup\nsetup(name='tidyproj', version='1.0')\n")
    for location, name in ((renamed, "my-tidy-pkg"), (tree, "tidyproj")):
        report = check(guard, f"install {location}").report
        assert [p.candidate.name for p in report.packages] == [name], location.name
        assert "metadata-name-mismatch" not in rule_ids(report)


def test_clean_local_wheel_file_is_checked_and_installed_by_hash(guard, target_env, tmp_path):
    wheel = build_wheel(tmp_path / "dist", "localwheel", "1.0.0")
    assessment = check(guard, f"install {wheel}")
    assert [a.candidate.filename for a in assessment.artifacts] == [wheel.name]
    assert assessment.artifacts[0].sha256 == hashlib.sha256(wheel.read_bytes()).hexdigest()
    # The user's own file has no index to describe it: that is not a check that could not run.
    assert assessment.report.verdict is Verdict.ALLOW and not assessment.report.could_not_check, assessment.report
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    assert target_env.imports("localwheel")


@pytest.fixture
def two_indexes(tmp_path):
    """A private index and a second one, both on 127.0.0.1: where dependency confusion happens."""
    private, second = PackageIndex(), PackageIndex()
    private.add(build_wheel(tmp_path / "private", "corp-utils", "1.0.0"), age_days=600, **ESTABLISHED)
    shared = build_wheel(tmp_path / "shared", "tidyshared", "2.0.0")
    for index in (private, second):
        index.add(shared, age_days=600, **ESTABLISHED)  # a mirrored project: the same file on both
        index.start()
    yield private, second
    for index in (private, second):
        index.stop()


def test_a_higher_version_on_a_second_index_is_dependency_confusion(guard, target_env, two_indexes, tmp_path):
    private, second = two_indexes
    second.add(build_wheel(tmp_path / "public", "corp-utils", "99.0.0"), age_days=600, **ESTABLISHED)
    before = target_env.pip_list()
    line = f"install --index-url {private.url} --extra-index-url {second.url} corp-utils"
    assessment = check(guard, line)
    report = assessment.report
    [package] = report.packages
    assert package.candidate.version == "99.0.0"  # what pip would really take
    finding = next(f for f in package.findings if f.rule_id == "meta.other-index")
    assert "corp_utils-99.0.0-py3-none-any.whl" in finding.evidence[0].snippet and private.url in finding.evidence[0].snippet
    assert report.verdict is Verdict.BLOCK
    assert target_env.pip_list() == before


def test_the_same_file_on_both_indexes_is_not_flagged(guard, two_indexes):
    private, second = two_indexes
    report = check(guard, f"install --index-url {private.url} --extra-index-url {second.url} tidyshared").report
    assert "meta.other-index" not in rule_ids(report)
    assert report.verdict is Verdict.ALLOW, report.reasons
