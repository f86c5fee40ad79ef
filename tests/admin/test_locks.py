"""Administrator locks on the index: every other place pip could read from is refused, and the refusal recorded."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace

import pytest

from jupyter_safepip.config import ConfigError, ConfigLayer, effective_config, settings_from_config
from jupyter_safepip.core.history import HistoryStore
from jupyter_safepip.core.model import InstallRequest, Verdict
from jupyter_safepip.guard import LOCKED_RULE, Guard, LockedError
from tests.support.waits import scaled

TRUSTED = "http://127.0.0.1:8/vetted/simple"
OTHER = "http://127.0.0.1:9/other/simple"


@pytest.fixture(autouse=True)
def no_pip_configuration(monkeypatch):
    """pip reads no configuration file and no PIP_* variable of the machine: its default index applies."""
    for key in [k for k in os.environ if k.startswith("PIP_")]:
        monkeypatch.delenv(key)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)


def guard(tmp_path, locked: bool = True, **admin) -> Guard:
    values = {"index_url": TRUSTED, "history_path": str(tmp_path / "shared" / "history.sqlite"), **admin}
    if locked:
        values["locked"] = ["index_url"]
    config = effective_config([ConfigLayer("system", values), ConfigLayer("env-var", {})])
    return Guard(replace(settings_from_config(config), cache_dir=tmp_path / "cache"), config)


@pytest.mark.parametrize("line, refused", [
    (f"install -i {OTHER} tidyframe", f"--index-url {OTHER}"),
    (f"install --index-url={OTHER} tidyframe", f"--index-url {OTHER}"),
    (f"install --extra-index-url {OTHER} tidyframe", f"--extra-index-url {OTHER}"),
    ("install --find-links /tmp/wheels tidyframe", "--find-links /tmp/wheels"),
    ("install -f http://127.0.0.1:9/links/ tidyframe", "--find-links http://127.0.0.1:9/links/"),
    ("install --no-index tidyframe", "--no-index"),
    ("install --trusted-host 127.0.0.2 tidyframe", "--trusted-host 127.0.0.2"),
    ("install git+https://127.0.0.1:9/repo.git#egg=tidyframe", "direct reference git+https://127.0.0.1:9/repo.git"),
    ("install tidyframe@http://127.0.0.1:9/tidyframe-1.0.0-py3-none-any.whl", "direct reference"),
])
def test_locked_index_refuses_every_other_source(tmp_path, line, refused):
    with pytest.raises(LockedError) as caught:
        guard(tmp_path).parse(line)
    message = str(caught.value)
    assert f"the administrator allows only the index {TRUSTED}" in message and refused in message
    assert "\n" not in message
    assert caught.value.attempt == "pip " + line


def test_locked_index_refuses_other_sources_from_files_and_variables(tmp_path, monkeypatch):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text(f"--index-url {OTHER}\ntidyframe\n")
    with pytest.raises(LockedError, match="--index-url"):
        guard(tmp_path).parse(f"install -r {requirements}")
    nested = tmp_path / "nested.txt"
    nested.write_text("--trusted-host 127.0.0.2\ntidyframe\n")
    requirements.write_text(f"-r {nested.name}\n")
    with pytest.raises(LockedError, match="--trusted-host 127.0.0.2"):
        guard(tmp_path).parse(f"install -r {requirements}")
    monkeypatch.setenv("PIP_TRUSTED_HOST", "127.0.0.3")
    with pytest.raises(LockedError, match="--trusted-host 127.0.0.3"):
        guard(tmp_path).parse("install tidyframe")
    monkeypatch.delenv("PIP_TRUSTED_HOST")
    # What a notebook can do without any option on the line: pip reads its variables.
    monkeypatch.setenv("PIP_EXTRA_INDEX_URL", OTHER)
    with pytest.raises(LockedError, match="--extra-index-url"):
        guard(tmp_path).parse("install tidyframe")


def test_the_trusted_index_is_what_pip_resolves_from(tmp_path, monkeypatch):
    request = guard(tmp_path).parse("install tidyframe")
    assert isinstance(request, InstallRequest)
    assert request.index_url == TRUSTED
    assert request.pip_args[-2:] == ("--index-url", TRUSTED)  # last, so it wins over pip's own configuration
    same = guard(tmp_path).parse(f"install -i {TRUSTED}/ tidyframe --extra-index-url {TRUSTED}")
    assert same.index_url == TRUSTED + "/"
    (tmp_path / "my-project").mkdir()
    monkeypatch.chdir(tmp_path)
    local = guard(tmp_path).parse("install ./my-project")  # the user's own code is still inspected, not refused
    assert local.requirements[0].url.endswith("my-project")
    monkeypatch.setenv("PIP_INDEX_URL", TRUSTED)
    assert guard(tmp_path).parse("install tidyframe").index_url == TRUSTED


def test_unlocked_index_is_a_default_the_user_may_change(tmp_path):
    assert guard(tmp_path, locked=False).parse("install tidyframe").index_url == TRUSTED
    chosen = guard(tmp_path, locked=False).parse(f"install -i {OTHER} --extra-index-url {OTHER}x tidyframe")
    assert chosen.index_url == OTHER and "--index-url" not in chosen.pip_args[-2:]
    assert guard(tmp_path, locked=False).parse("install --no-index -f /tmp tidyframe").no_index


def test_without_an_index_setting_requests_are_untouched(tmp_path):
    config = effective_config([ConfigLayer("system", {"locked": ["index_url"]})])
    plain = Guard(replace(settings_from_config(config), cache_dir=tmp_path / "cache"), config)
    request = plain.parse(f"install -i {OTHER} tidyframe")
    assert request.index_url == OTHER and request.pip_args == ("-i", OTHER, "tidyframe")


def test_a_refusal_is_recorded_in_the_configured_shared_history(tmp_path):
    locked = guard(tmp_path)
    with pytest.raises(LockedError) as caught:
        locked.parse(f"install -i {OTHER} tidyframe")
    locked.record_refusal(caught.value.attempt, str(caught.value), source="magic", kernel_id="k-1")
    [entry] = HistoryStore(tmp_path / "shared" / "history.sqlite").query()
    assert entry.command == f"pip install -i {OTHER} tidyframe"
    assert entry.decision == "blocked" and entry.verdict is Verdict.BLOCK and entry.kernel_id == "k-1"
    assert [f.rule_id for f in entry.findings] == [LOCKED_RULE]
    assert "allows only the index" in entry.findings[0].message
    assert entry.package == "tidyframe"


def test_index_url_must_be_a_url(tmp_path):
    with pytest.raises(ConfigError, match="not an http"):
        guard(tmp_path, index_url="vetted-mirror")


def test_the_cli_refuses_a_locked_index_and_records_it(admin_env, tmp_path):
    history = tmp_path / "shared" / "history.sqlite"
    policy = {"SafePip": {"index_url": TRUSTED, "history_path": str(history), "locked": ["index_url"]}}
    config_dir = admin_env.prefix / "etc" / "jupyter"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "jupyter_safepip_config.json").write_text(json.dumps(policy))
    done = subprocess.run([admin_env.python, "-m", "jupyter_safepip.cli", "check", "-i", OTHER, "tidyframe"],
                          capture_output=True, text=True, env=admin_env.env, timeout=scaled(120))
    assert done.returncode == 64, done.stderr
    assert f"allows only the index {TRUSTED}" in done.stderr and "Traceback" not in done.stderr
    [entry] = HistoryStore(history).query()
    assert entry.source == "cli" and entry.decision == "blocked"
    assert [f.rule_id for f in entry.findings] == [LOCKED_RULE]
