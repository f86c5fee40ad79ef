"""Configuration layers: files at system/environment/user level, SAFEPIP_* variables, admin locks."""

import json
from pathlib import Path

import pytest

from jupyter_safepip.config import (
    ConfigError,
    ConfigLayer,
    config_layers,
    effective_config,
    parse_setting,
    settings_from_config,
)
from jupyter_safepip.core.model import Severity
from jupyter_safepip.core.policy import FailMode


def write(directory: Path, **values) -> str:
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "jupyter_safepip_config.json").write_text(json.dumps({"SafePip": values}))
    return str(directory)


def test_layers_merge_in_order_and_sources_are_reported(tmp_path):
    system = write(tmp_path / "etc" / "jupyter", block_at="critical", deny=["evil-pkg"])
    user = write(tmp_path / "home", warn_at="low")
    config = effective_config(config_layers([user, system], environ={"SAFEPIP_FAIL_MODE": "closed"}))
    settings = settings_from_config(config)
    assert settings.policy.block_at is Severity.CRITICAL and settings.policy.warn_at is Severity.LOW
    assert settings.policy.fail_mode is FailMode.CLOSED
    assert config.sources["warn_at"] == "user" and config.sources["fail_mode"] == "env-var"


def test_admin_locks_are_kept_and_attempts_reported(tmp_path, monkeypatch):
    admin_dir = tmp_path / "admin"
    admin = write(admin_dir, fail_mode="closed", locked=["fail_mode"])
    user = write(tmp_path / "home", fail_mode="open", locked=["warn_at"])
    monkeypatch.setattr("jupyter_safepip.config._layer_name", lambda d: "system" if d == admin_dir else "user")
    config = effective_config(config_layers([user, admin], environ={"SAFEPIP_FAIL_MODE": "open"}))
    assert config.values["fail_mode"] == "closed"
    assert config.locked == frozenset({"fail_mode"})
    assert any("fail_mode is locked" in r and "user" in r for r in config.refused)
    assert any("env-var" in r for r in config.refused)
    assert any("cannot lock" in r for r in config.refused)


def test_bad_values_are_clear_errors(tmp_path):
    bad = write(tmp_path / "home", warn_at="severe")
    with pytest.raises(ConfigError, match=r"SafePip.warn_at in user configuration: expected any of \['info'.*not 'severe'"):
        effective_config(config_layers([bad], environ={}))
    wrong_type = write(tmp_path / "typed", history_days="a year")
    with pytest.raises(ConfigError, match="SafePip.history_days in user configuration: expected a float from 0 to 36500, not 'a year'"):
        effective_config(config_layers([wrong_type], environ={}))
    for days in (-1, 1e6):
        out_of_range = write(tmp_path / f"range{days}", history_days=days)
        with pytest.raises(ConfigError, match=f"expected a float from 0 to 36500, not {days!r}"):
            effective_config(config_layers([out_of_range], environ={}))
    with pytest.raises(ConfigError, match="history_days in env-var configuration"):
        effective_config(config_layers([], environ={"SAFEPIP_HISTORY_DAYS": "nan"}))
    with pytest.raises(ConfigError, match="SAFEPIP_HISTORY_DAYS"):
        config_layers([], environ={"SAFEPIP_HISTORY_DAYS": "forever"})
    assert effective_config(config_layers([], environ={"SAFEPIP_HISTORY_DAYS": "30"})).values["history_days"] == 30.0
    with pytest.raises(ConfigError, match="SAFEPIP_OFFLINE"):
        config_layers([], environ={"SAFEPIP_OFFLINE": "maybe"})
    unknown = write(tmp_path / "other", colour="pink")
    with pytest.raises(ConfigError, match="unknown setting SafePip.colour"):
        effective_config(config_layers([unknown], environ={}))


def test_locks_hold_whatever_order_jupyter_reads_the_layers_in():
    # In a virtual environment Jupyter reads the environment's directory after the user's.
    layers = [ConfigLayer("user", {"block_at": "critical", "warn_at": "low"}),
              ConfigLayer("environment", {"block_at": "medium", "locked": ["block_at"]}),
              ConfigLayer("session", {"block_at": "info"})]
    config = effective_config(layers)
    assert config.values["block_at"] == "medium" and config.sources["block_at"] == "environment"
    assert config.values["warn_at"] == "low"
    assert [r.split(";")[1].strip() for r in config.refused] == [
        "the user value 'critical' was ignored", "the session value 'info' was ignored"]


def test_a_user_value_equal_to_the_locked_one_is_not_a_refusal():
    config = effective_config([ConfigLayer("system", {"offline": True, "locked": ["offline"]}),
                               ConfigLayer("user", {"offline": True})])
    assert config.values["offline"] is True and config.refused == ()


def test_index_and_enabled_settings_and_text_values():
    config = effective_config(config_layers([], environ={"SAFEPIP_INDEX_URL": "http://127.0.0.1:8/simple",
                                                         "SAFEPIP_ENABLED": "no"}))
    assert config.values["index_url"] == "http://127.0.0.1:8/simple" and config.values["enabled"] is False
    assert parse_setting("deny", "a, b==1") == ["a", "b==1"]
    with pytest.raises(ConfigError, match="%safepip policy fail_mode='shut': expected one of open, warn, closed"):
        parse_setting("fail_mode", "shut", origin="%safepip policy fail_mode")
    with pytest.raises(ConfigError, match="unknown setting 'colour'"):
        parse_setting("colour", "pink")
    with pytest.raises(ConfigError, match="SAFEPIP_BLOCK_AT='severe'"):
        config_layers([], environ={"SAFEPIP_BLOCK_AT": "severe"})


def test_a_cache_directory_that_cannot_hold_files_is_a_clear_error(tmp_path):
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    for unusable in (a_file, a_file / "below"):
        config = effective_config(config_layers([], environ={"SAFEPIP_CACHE_DIR": str(unusable)}))
        with pytest.raises(ConfigError, match=r"SafePip.cache_dir .* \(env-var configuration\) cannot be used: [Nn]ot a directory"):
            settings_from_config(config)
    fresh = tmp_path / "new" / "cache"
    assert settings_from_config(effective_config(config_layers([], environ={"SAFEPIP_CACHE_DIR": str(fresh)}))).cache_dir == fresh
    assert fresh.is_dir()


def test_a_decision_timeout_must_be_a_usable_number_of_seconds():
    with pytest.raises(ConfigError, match="decision_timeout in env-var configuration: expected a float from 1 to 86400"):
        effective_config(config_layers([], environ={"SAFEPIP_DECISION_TIMEOUT": "-5"}))


@pytest.fixture
def admin_environment(tmp_path, monkeypatch):
    """An environment prefix whose etc/jupyter is the administrator's, and a user config dir, both under tmp."""
    prefix = tmp_path / "env"
    admin = prefix / "etc" / "jupyter"
    write(admin, fail_mode="closed", allow=[], locked=["fail_mode", "allow"])
    monkeypatch.setattr("sys.prefix", str(prefix))
    monkeypatch.setattr("jupyter_core.paths.ENV_CONFIG_PATH", [str(admin)])
    monkeypatch.setattr("jupyter_core.paths.SYSTEM_CONFIG_PATH", [])
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", write(tmp_path / "home", fail_mode="open", allow=["anything"]))
    monkeypatch.delenv("JUPYTER_CONFIG_PATH", raising=False)
    return admin


@pytest.mark.parametrize("variable", ["JUPYTER_NO_CONFIG", "JUPYTER_CONFIG_PATH"])
def test_variables_a_user_sets_in_a_kernel_do_not_hide_the_administrators_files(admin_environment, tmp_path, monkeypatch, variable):
    monkeypatch.setenv(variable, "1" if variable == "JUPYTER_NO_CONFIG" else write(tmp_path / "mine", fail_mode="open"))
    config = effective_config(config_layers(environ={}))
    assert config.values["fail_mode"] == "closed" and config.values["allow"] == []
    assert config.locked == frozenset({"fail_mode", "allow"})
    assert config.sources["fail_mode"] == "environment"


def test_which_layer_a_directory_is_does_not_follow_variables_a_user_sets(tmp_path, monkeypatch):
    from jupyter_safepip.config import _layer_name

    monkeypatch.setenv("PROGRAMDATA", "")  # an empty string is "in" every path
    assert _layer_name(tmp_path / "home" / ".jupyter") == "user"
    monkeypatch.setattr("sys.prefix", str(tmp_path / "env"))
    assert _layer_name(tmp_path / "env" / "etc" / "jupyter") == "environment"
    assert _layer_name(Path("/etc/jupyter")) == "system"


def test_a_bad_value_names_the_directory_of_the_file(tmp_path):
    bad = write(tmp_path / "home", history_days="a year")
    with pytest.raises(ConfigError, match=f"not 'a year' \\({bad}\\)"):
        effective_config(config_layers([bad], environ={}))


def test_the_system_layers_locks_hold_against_an_environment_the_user_may_own(tmp_path, monkeypatch):
    system_dir, env_dir = tmp_path / "system", tmp_path / "env"
    system = write(system_dir, block_at="high", locked=["block_at"])
    env = write(env_dir, block_at="critical", warn_at="high", locked=["warn_at"])
    names = {system_dir: "system", env_dir: "environment"}
    monkeypatch.setattr("jupyter_safepip.config._layer_name", lambda d: names.get(d, "user"))
    user = write(tmp_path / "home", warn_at="low")
    config = effective_config(config_layers([user, env, system], environ={}))
    assert config.values["block_at"] == "high" and config.sources["block_at"] == "system"
    assert config.values["warn_at"] == "high" and config.locked == frozenset({"block_at", "warn_at"})
    assert any("the environment value 'critical' was ignored" in r for r in config.refused), config.refused


def test_rule_severity_raises_a_rule_and_refuses_unknown_rules_and_severities(tmp_path):
    config = effective_config(config_layers([], environ={"SAFEPIP_RULE_SEVERITY": "meta.vulnerable=high"}))
    assert settings_from_config(config).policy.rule_severity == (("meta.vulnerable", Severity.HIGH),)
    from_file = write(tmp_path / "home", rule_severity=["meta.vulnerable = critical", "archive-link=info"])
    policy = settings_from_config(effective_config(config_layers([from_file], environ={}))).policy
    assert policy.rule_severity == (("meta.vulnerable", Severity.CRITICAL), ("archive-link", Severity.INFO))
    for bad, says in (("meta.vulnerabel=high", "no rule has the id 'meta.vulnerabel'; did you mean meta.vulnerable?"),
                      ("meta.vulnerable=severe", "'severe' is not a severity"),
                      ("meta.vulnerable", "expected rule-id=severity")):
        with pytest.raises(ConfigError, match="rule_severity") as raised:
            settings_from_config(effective_config(config_layers([], environ={"SAFEPIP_RULE_SEVERITY": bad})))
        assert says in str(raised.value) and "\n" not in str(raised.value)
    with pytest.raises(ConfigError, match="SafePip.rule_severity in user configuration: expected a list"):
        effective_config(config_layers([write(tmp_path / "typed", rule_severity={"meta.vulnerable": "high"})], environ={}))


def test_rule_severity_is_locked_like_any_setting(tmp_path, monkeypatch):
    admin_dir = tmp_path / "admin"
    admin = write(admin_dir, rule_severity=["meta.vulnerable=high"], locked=["rule_severity"])
    # A user lowering a rule undoes a block as surely as raising block_at does.
    user = write(tmp_path / "home", rule_severity=["install-pth-executable=info"])
    monkeypatch.setattr("jupyter_safepip.config._layer_name", lambda d: "system" if d == admin_dir else "user")
    config = effective_config(config_layers([user, admin], environ={"SAFEPIP_RULE_SEVERITY": "meta.vulnerable=low"}))
    assert settings_from_config(config).policy.rule_severity == (("meta.vulnerable", Severity.HIGH),)
    assert config.sources["rule_severity"] == "system" and "rule_severity" in config.locked
    assert any("rule_severity is locked by the administrator; the user value" in r for r in config.refused)
    assert any("rule_severity is locked by the administrator; the env-var value" in r for r in config.refused)
