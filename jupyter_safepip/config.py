"""Jupyter-style configuration: `c.SafePip.<setting>` in jupyter_safepip_config.{py,json}, plus SAFEPIP_* variables.

Layers, lowest first: defaults, system (/etc/jupyter ...), environment (sys.prefix/etc/jupyter), user
(~/.jupyter, JUPYTER_CONFIG_DIR), then environment variables. Settings an administrator lists in
`locked` at the system or environment layer keep the administrator's value; later layers that try to
change them are refused and reported.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from traitlets import Bool, Enum, Float, List, TraitError, Unicode
from traitlets.config import Config, Configurable
from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

from .core.history import KEEP_DAYS, MAX_KEEP_DAYS, default_history_path
from .core.model import Severity
from .core.checks.metadata import RULES as METADATA_RULES
from .core.checks.names import RULES as NAME_RULES
from .core.policy import FailMode, ListEntry, Policy, PolicyError, parse_rule_severity
from .core.rules.table import RULES as BEHAVIOUR_RULES
from .core.settings import Settings, default_cache_dir

CONFIG_BASENAME = "jupyter_safepip_config"
SEVERITY_LABELS = ["info", "low", "medium", "high", "critical"]
ADMIN_LAYERS = ("system", "environment")


class SafePip(Configurable):
    """Configuration of jupyter_safepip, shared by the magics, the CLI and the server extension."""

    warn_at = Enum(SEVERITY_LABELS, "medium", help="Lowest finding severity that asks the user before installing.").tag(config=True)
    block_at = Enum(SEVERITY_LABELS, "high", help="Lowest finding severity that blocks the install.").tag(config=True)
    fail_mode = Enum([m.value for m in FailMode], "warn", help="When a check cannot run: open (allow), warn (ask) or closed (block).").tag(config=True)
    allow = List(Unicode(), help="Projects (optionally with a version specifier) always allowed.").tag(config=True)
    deny = List(Unicode(), help="Projects (optionally with a version specifier) always blocked.").tag(config=True)
    install_anyway = Bool(True, help="Offer 'Install anyway' when a request is blocked.").tag(config=True)
    unattended_warn = Enum(["refuse", "install"], "refuse", help="With nobody to ask (CI, nbconvert, papermill): refuse or install a request that only warns.").tag(config=True)
    rule_severity = List(Unicode(), help="Severities replacing a rule's own, as rule-id=severity: ['meta.vulnerable=high'] blocks on known vulnerabilities (by default they warn).").tag(config=True)
    offline = Bool(False, help="Use only the cache and shipped data; say which checks could not run.").tag(config=True)
    cache_dir = Unicode("", help="Where downloads, index responses and scan results are kept.").tag(config=True)
    history_path = Unicode("", help="SQLite file shared by kernels and the server; empty: the Jupyter data directory.").tag(config=True)
    history_days = Float(KEEP_DAYS, min=0, max=MAX_KEEP_DAYS, help="Checks older than this many days are deleted from the history; 0 keeps everything.").tag(config=True)
    decision_timeout = Float(600.0, min=1, max=86400, help="Seconds the warning widget waits for a decision before cancelling.").tag(config=True)
    index_url = Unicode("", help="The index to trust: pip resolves from it. Locked, requests naming another index, find-links or --no-index are refused.").tag(config=True)
    enabled = Bool(True, help="Load the guard in kernels. Locked, %unload_ext jupyter_safepip is refused.").tag(config=True)
    min_release_age = Float(0.0, min=0, max=365, help="Cool-down in days: releases uploaded more recently are passed over (pip's --uploaded-prior-to); a pinned younger release warns. 0: off.").tag(config=True)
    index_store = Unicode("", help="The vetting index's verdict store: postgresql://... for several replicas, else a SQLite file; empty: index.sqlite in the Jupyter data directory.").tag(config=True)
    locked = List(Unicode(), help="Settings users cannot change (administrator layers only).").tag(config=True)


KNOWN_RULE_IDS = frozenset(NAME_RULES) | frozenset(METADATA_RULES) | frozenset(BEHAVIOUR_RULES)
SETTING_NAMES = tuple(name for name in SafePip.class_trait_names(config=True) if name != "locked")


class ConfigError(ValueError):
    """A configuration value cannot be used; the message names the setting and the layer."""


@dataclass(frozen=True)
class ConfigLayer:
    """One place configuration can come from."""

    name: str  # system, environment, user, env-var
    values: dict
    where: str = ""  # the directory the files are in, for messages

    @property
    def origin(self) -> str:
        return f" ({self.where})" if self.where else ""


@dataclass(frozen=True)
class EffectiveConfig:
    """The merged configuration, where each value came from, what is locked and what was refused."""

    values: dict
    sources: dict  # setting -> layer name
    locked: frozenset[str]
    refused: tuple[str, ...]

    def table(self, show: Callable[[object], str] | None = None) -> list[str]:
        """The settings as aligned text rows (setting, value, the layer that set it, locked), header first."""
        show = show or _plain
        rows = [("setting", "value", "set by", "locked")] + [
            (name, show(value) if value not in ("", None) else "-", self.sources[name], "yes" if name in self.locked else "")
            for name, value in sorted(self.values.items())]
        widths = [max(len(row[column]) for row in rows) for column in range(3)]
        return [f"{row[0]:{widths[0]}}  {row[1]:{widths[1]}}  {row[2]:{widths[2]}}  {row[3]}".rstrip() for row in rows]


def _plain(value: object) -> str:
    """A setting's value as people write it (365, not 365.0)."""
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def config_layers(config_dirs: list[str] | None = None, environ: dict[str, str] | None = None) -> list[ConfigLayer]:
    """The layers in the order they apply, lowest first."""
    dirs = list(reversed(config_dirs if config_dirs is not None else _config_dirs()))
    layers = [ConfigLayer(_layer_name(Path(d)), _load_dir(Path(d)), d) for d in dirs]
    env = os.environ if environ is None else environ
    from_env = {}
    for name in SETTING_NAMES:
        raw = env.get(f"SAFEPIP_{name.upper()}")
        if raw is not None:
            from_env[name] = _parse_env(name, raw, f"SAFEPIP_{name.upper()}")
    layers.append(ConfigLayer("env-var", from_env))
    return layers


def effective_config(layers: list[ConfigLayer]) -> EffectiveConfig:
    """Merge layers; an administrator's locked settings cannot be changed by user layers, whatever their order.

    (In a virtual environment Jupyter reads the environment's directory after the user's, so the locks are
    collected from every administrator layer before any value is merged.)
    """
    defaults = SafePip()
    values = {name: getattr(defaults, name) for name in SETTING_NAMES}
    sources = {name: "default" for name in SETTING_NAMES}
    # Who locked a setting: the system layer's locks hold against the environment layer too (an environment
    # can belong to the user, as in Docker Stacks images), the environment's against the user's.
    owner: dict[str, str] = {}
    for rank in ADMIN_LAYERS:
        for layer in layers:
            if layer.name == rank:
                owner.update({name: rank for name in layer.values.get("locked", ()) if name not in owner})
    locked = set(owner)
    admin_values = {name: value for layer in layers if layer.name in ADMIN_LAYERS
                    for name, value in layer.values.items() if owner.get(name) == layer.name}
    refused: list[str] = []
    for layer in layers:
        if layer.name not in ADMIN_LAYERS and layer.values.get("locked"):
            refused.append(f"{layer.name} configuration cannot lock settings (only an administrator can)")
        for name, value in layer.values.items():
            if name == "locked":
                continue
            if name not in SETTING_NAMES:
                raise ConfigError(f"unknown setting SafePip.{name} in {layer.name} configuration{layer.origin}")
            if name in locked and layer.name != owner[name]:
                if value != admin_values.get(name, values[name]):
                    refused.append(f"{name} is locked by the administrator; the {layer.name} value {value!r} was ignored")
                continue
            values[name] = _validated(defaults, name, value, layer)
            sources[name] = layer.name
    return EffectiveConfig(values, sources, frozenset(locked), tuple(refused))


def _validated(defaults: SafePip, name: str, value, layer: ConfigLayer):
    trait = SafePip.class_traits()[name]
    try:
        valid = trait.validate(defaults, value)
        if valid != valid:  # NaN passes a Float trait's bounds
            raise TraitError(name)
        return valid
    except TraitError:
        limits = getattr(trait, "min", None), getattr(trait, "max", None)
        bounds = f" from {limits[0]:g} to {limits[1]:g}" if None not in limits else ""
        raise ConfigError(f"SafePip.{name} in {layer.name} configuration: expected {trait.info()}{bounds}, "
                          f"not {value!r}{layer.origin}") from None


def configured_history_path(config: EffectiveConfig | None) -> Path:
    """The history file SafePip.history_path names, else the one in the Jupyter data directory."""
    configured = config.values.get("history_path") if config else ""
    return Path(configured).expanduser() if configured else default_history_path()


def settings_from_config(config: EffectiveConfig, python: str = sys.executable) -> Settings:
    """Turn merged configuration into pipeline Settings; bad values become a ConfigError."""
    v = config.values
    try:
        policy = Policy(
            warn_at=Severity.parse(v["warn_at"]),
            block_at=Severity.parse(v["block_at"]),
            fail_mode=FailMode(v["fail_mode"]),
            allow=tuple(ListEntry.parse(x) for x in v["allow"]),
            deny=tuple(ListEntry.parse(x) for x in v["deny"]),
            install_anyway=bool(v["install_anyway"]),
            unattended_warn_installs=v["unattended_warn"] == "install",
            locked=config.locked,
            rule_severity=parse_rule_severity(v["rule_severity"], KNOWN_RULE_IDS),
        )
    except (PolicyError, ValueError) as exc:
        raise ConfigError(f"invalid jupyter_safepip policy: {exc}") from None
    cache_dir = Path(v["cache_dir"]).expanduser() if v["cache_dir"] else default_cache_dir()
    return Settings(policy=policy, python=python, cache_dir=_usable(cache_dir, config.sources.get("cache_dir")),
                    offline=bool(v["offline"]), min_release_age=float(v["min_release_age"]),
                    vetting_index=v["index_url"] or None)


def _usable(cache_dir: Path, source: str | None) -> Path:
    """The cache directory, created if need be; a ConfigError when it cannot hold files."""
    try:
        if cache_dir.exists() and not cache_dir.is_dir():
            raise NotADirectoryError(20, "not a directory")
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=cache_dir):
            pass
    except OSError as exc:
        origin = f" ({source} configuration)" if source else ""
        raise ConfigError(f"SafePip.cache_dir {cache_dir}{origin} cannot be used: {exc.strerror or exc}") from None
    return cache_dir


def load_settings(python: str = sys.executable, session: dict | None = None) -> tuple[Settings, EffectiveConfig]:
    """Settings from every configuration layer of this machine; `session` holds changes made in one kernel."""
    layers = config_layers()
    if session:
        layers.append(ConfigLayer("session", dict(session)))
    config = effective_config(layers)
    return settings_from_config(config, python), config


def parse_setting(name: str, raw: str, origin: str | None = None):
    """A setting's value from text (an environment variable, a magic's argument); ConfigError if it cannot be."""
    if name not in SETTING_NAMES:
        raise ConfigError(f"unknown setting {name!r} (one of: {', '.join(SETTING_NAMES)})")
    return _parse_env(name, raw, origin or f"SAFEPIP_{name.upper()}")


def _config_dirs() -> list[str]:
    """Jupyter's config directories, highest first, always with the administrator's: JUPYTER_NO_CONFIG or
    JUPYTER_CONFIG_PATH, which a user can set in a kernel, leave out only the user's own."""
    from jupyter_core.paths import ENV_CONFIG_PATH, SYSTEM_CONFIG_PATH, jupyter_config_path

    # Under JUPYTER_NO_CONFIG Jupyter's only directory is an empty temporary one: not worth making.
    dirs = [] if os.environ.get("JUPYTER_NO_CONFIG") else jupyter_config_path()
    return dirs + [d for d in ENV_CONFIG_PATH + SYSTEM_CONFIG_PATH if d not in dirs]


def _layer_name(directory: Path) -> str:
    """Which layer a config directory is, by where it is (never by a variable a user can set)."""
    from jupyter_core.paths import SYSTEM_CONFIG_PATH

    resolved = directory.resolve()
    if resolved.is_relative_to(Path(sys.prefix).resolve()):
        return "environment"
    system_roots = [Path(d).resolve() for d in SYSTEM_CONFIG_PATH] + [Path("/etc"), Path("/usr")]
    if any(resolved.is_relative_to(root) for root in system_roots):
        return "system"
    return "user"


def _load_dir(directory: Path) -> dict:
    merged = Config()
    for loader_class, suffix in ((JSONFileConfigLoader, ".json"), (PyFileConfigLoader, ".py")):
        loader = loader_class(CONFIG_BASENAME + suffix, path=str(directory))
        try:
            merged.merge(loader.load_config())
        except ConfigFileNotFound:
            continue
        except Exception as exc:  # noqa: BLE001 - a broken file must say which one
            raise ConfigError(f"cannot read {directory / (CONFIG_BASENAME + suffix)}: {exc}") from None
    section = merged.get("SafePip", Config())
    return {key: section[key] for key in section}


def _parse_env(name: str, raw: str, origin: str):
    trait = SafePip.class_traits()[name]
    if isinstance(trait, List):
        return [x.strip() for x in raw.split(",") if x.strip()]
    if isinstance(trait, Bool):
        if raw.strip().lower() not in {"1", "0", "true", "false", "yes", "no"}:
            raise ConfigError(f"{origin}={raw!r}: expected true or false")
        return raw.strip().lower() in {"1", "true", "yes"}
    if isinstance(trait, Float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{origin}={raw!r}: expected a number") from None
    if isinstance(trait, Enum) and raw.strip() not in trait.values:
        raise ConfigError(f"{origin}={raw!r}: expected one of {', '.join(map(str, trait.values))}")
    return raw.strip()
