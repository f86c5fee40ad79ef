"""A private index over HTTPS behind its own certificate authority, trusted through pip's configuration only:
safepip's own requests (index pages, metadata, downloads) use the CA bundle pip is configured with."""

from __future__ import annotations

import os
import warnings

import pytest

from jupyter_safepip.core.model import Verdict
from jupyter_safepip.core.settings import Settings
from jupyter_safepip.guard import Guard
from jupyter_safepip.testing.builders import build_wheel
from jupyter_safepip.testing.index import PackageIndex
from jupyter_safepip.testing.tls import make_loopback_certificate
from tests.conftest import ESTABLISHED

pytestmark = pytest.mark.integration


@pytest.fixture
def https_index(tmp_path):
    certificate = make_loopback_certificate(tmp_path / "tls")
    index = PackageIndex(tls=certificate)
    index.add(build_wheel(tmp_path / "files", "tidysecure", "1.0.0"), age_days=600, **ESTABLISHED)
    index.start()
    yield index, certificate
    index.stop()


def guard_with_pip_conf(settings: str, target_env, tmp_path, monkeypatch) -> Guard:
    """A guard in a process whose only pip configuration is this [global] section (no CA variables either)."""
    pip_conf = tmp_path / "pip.conf"
    pip_conf.write_text(f"[global]\n{settings}\n")
    for key in [k for k in os.environ if k.startswith("PIP_") or k in ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", str(pip_conf))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    return Guard(Settings(python=target_env.python, cache_dir=tmp_path / "safepip-cache"))


def test_the_ca_in_pip_configuration_is_trusted_for_the_check_and_the_install(https_index, target_env, tmp_path,
                                                                            monkeypatch):
    index, certificate = https_index
    assert index.url.startswith("https://127.0.0.1:")
    guard = guard_with_pip_conf(f"index-url = {index.url}\ncert = {certificate.ca}", target_env, tmp_path, monkeypatch)
    assessment = guard.check(guard.parse("install tidysecure"), "pip install tidysecure")
    report = assessment.report
    assert not report.errors and not any(p.errors for p in report.packages), report
    assert report.verdict is Verdict.ALLOW, report.reasons
    assert any("/pypi/tidysecure/" in hit for hit in index.hits)  # the metadata came over the verified connection
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    assert target_env.imports("tidysecure")


def test_a_trusted_host_in_pip_configuration_is_trusted_by_the_check_too(https_index, target_env, tmp_path, monkeypatch):
    index, _ = https_index
    guard = guard_with_pip_conf(f"index-url = {index.url}\ntrusted-host = 127.0.0.1", target_env, tmp_path, monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no insecure-request warning reaches the user
        report = guard.check(guard.parse("install tidysecure"), "pip install tidysecure").report
    assert not report.errors and not any(p.errors for p in report.packages), report
    assert report.verdict is Verdict.ALLOW, report.reasons


def test_a_ca_given_on_the_install_line_is_trusted_by_the_check_too(https_index, target_env, tmp_path, monkeypatch):
    index, certificate = https_index
    guard = guard_with_pip_conf("", target_env, tmp_path, monkeypatch)
    line = f"install --cert {certificate.ca} --index-url {index.url} tidysecure"
    assessment = guard.check(guard.parse(line), f"pip {line}")
    report = assessment.report
    assert not report.errors and not any(p.errors for p in report.packages), report
    assert report.verdict is Verdict.ALLOW, report.reasons
    result = guard.install(assessment)
    assert result is not None and result.returncode == 0, result.stdout
    assert target_env.imports("tidysecure")


def test_without_the_ca_the_check_says_it_could_not_check(https_index, target_env, tmp_path, monkeypatch):
    index, _ = https_index
    guard = guard_with_pip_conf("", target_env, tmp_path, monkeypatch)
    line = f"install --index-url {index.url} tidysecure"
    report = guard.check(guard.parse(line), f"pip {line}").report
    assert report.errors or any(p.errors for p in report.packages)
    assert report.verdict is not Verdict.ALLOW
