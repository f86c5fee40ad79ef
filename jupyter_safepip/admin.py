"""`jupyter safepip enable|disable|status`: turn the guard on for every new kernel and server at one level.

A level is where Jupyter and IPython read configuration: the environment (--sys-prefix), the machine
(--system) or one user (--user). `enable` adds jupyter_safepip to the IPython kernel configuration of the
level (every new kernel loads it, no %load_ext needed) and enables the server extension there; `disable`
takes out exactly that. Files are merged, never overwritten: other settings in them are kept.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path

from . import __version__

EXTENSION = "jupyter_safepip"
SERVER_EXTENSION = "jupyter_safepip.server"
KERNEL_CONFIG = "ipython_kernel_config.json"
SERVER_CONFIG_D = "jupyter_server_config.d"
SERVER_CONFIG = f"{SERVER_CONFIG_D}/jupyter_safepip.json"
SAFEPIP_CONFIG = "jupyter_safepip_config.json"
# extra_extensions, not extensions: a user's own `c.InteractiveShellApp.extensions = [...]` keeps working
# (traitlets gives the IPKernelApp section precedence, so writing its `extensions` would replace theirs).
KERNEL_KEY = ("IPKernelApp", "extra_extensions")
KERNEL_KEYS = tuple((app, key) for app in ("InteractiveShellApp", "IPKernelApp") for key in ("extensions", "extra_extensions"))
LEVELS = ("system", "sys-prefix", "user")  # lowest priority first, as IPython and Jupyter read them


class AdminError(ValueError):
    """Something the administrator can fix (a file that cannot be read or written); one line says what."""


@dataclass(frozen=True)
class Level:
    """Where one configuration level keeps IPython's and Jupyter's files."""

    name: str
    ipython_dirs: tuple[Path, ...]  # read by kernels, the first is written
    jupyter_dirs: tuple[Path, ...]  # read by servers, the first is written

    @property
    def kernel_config(self) -> Path:
        return self.ipython_dirs[0] / KERNEL_CONFIG

    @property
    def server_config(self) -> Path:
        return self.jupyter_dirs[0] / SERVER_CONFIG


def level(name: str) -> Level:
    """The directories of a level, as IPython (IPython.paths, its application) and jupyter_core compute them."""
    from jupyter_core.paths import ENV_CONFIG_PATH, SYSTEM_CONFIG_PATH, jupyter_config_dir

    if name == "user":
        return Level(name, (_ipython_dir() / "profile_default",), (Path(jupyter_config_dir()),))
    if name == "sys-prefix":
        return Level(name, (Path(sys.prefix) / "etc" / "ipython",), (Path(ENV_CONFIG_PATH[0]),))
    from IPython.core.application import SYSTEM_CONFIG_DIRS

    if not SYSTEM_CONFIG_DIRS or not SYSTEM_CONFIG_PATH:
        raise AdminError("this platform has no system-wide IPython configuration directory; use --sys-prefix")
    # Written to the first directory, as jupyter_server's own --system does; all of them are read.
    return Level(name, tuple(Path(d) for d in SYSTEM_CONFIG_DIRS), tuple(Path(d) for d in SYSTEM_CONFIG_PATH))


def _ipython_dir() -> Path:
    import warnings

    from IPython.paths import get_ipython_dir

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        found = get_ipython_dir()
    # IPython falls back to a temporary directory when the real one is not writable: nobody would read it.
    if any("not a writable location" in str(w.message) for w in caught):
        raise AdminError(f"cannot write the IPython directory of this user ({os.environ.get('IPYTHONDIR') or '~/.ipython'}); "
                         "check HOME and IPYTHONDIR")
    return Path(found)


# --- enable / disable ---------------------------------------------------------------------------

def enable(where: Level) -> list[str]:
    """Turn the kernel guard and the server extension on at a level; returns what changed."""
    kernel, server = _read_json(where.kernel_config), _read_json(where.server_config)  # both readable, or no change
    changes = []
    names = _list_at(kernel, where.kernel_config, *KERNEL_KEY, create=True)
    extensions = _dict_at(server, where.server_config, "ServerApp", "jpserver_extensions", create=True)
    if EXTENSION not in names:
        names.append(EXTENSION)
        _write_json(where.kernel_config, kernel)
        changes.append(f"kernels load {EXTENSION}: {where.kernel_config}")
    if extensions.get(SERVER_EXTENSION) is not True:
        extensions[SERVER_EXTENSION] = True
        _write_json(where.server_config, server)
        changes.append(f"server extension {SERVER_EXTENSION} enabled: {where.server_config}")
    return changes


def disable(where: Level) -> list[str]:
    """Take out what enable wrote at a level (other content of the files stays); returns what changed."""
    kernel, server = _read_json(where.kernel_config), _read_json(where.server_config)
    changes = []
    for app, key in KERNEL_KEYS:
        names = _list_at(kernel, where.kernel_config, app, key, create=False)
        if names is not None and EXTENSION in names:
            names[:] = [n for n in names if n != EXTENSION]
            _drop_if_empty(kernel, app, key)
            changes.append(f"kernels no longer load {EXTENSION} ({app}.{key}): {where.kernel_config}")
    if changes:
        _write_json(where.kernel_config, kernel)
    extensions = _dict_at(server, where.server_config, "ServerApp", "jpserver_extensions", create=False)
    if extensions is not None and SERVER_EXTENSION in extensions:
        del extensions[SERVER_EXTENSION]
        _drop_if_empty(server, "ServerApp", "jpserver_extensions")
        _write_json(where.server_config, server)
        changes.append(f"server extension {SERVER_EXTENSION} no longer enabled: {where.server_config}")
    return changes


def use_index(where: Level, url: str) -> list[str]:
    """pip's, uv's and the guard's index at this level: the vetting index at `url`."""
    from urllib.parse import urlsplit

    from .index_config import IndexConfigError, point_at

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AdminError(f"--hub-index {url!r} is not an http(s) URL")
    if parts.password:
        raise AdminError("--hub-index: give the URL without credentials (a configuration file is shared); on a hub, "
                         "configure_vetting_index gives each user's server the URL with their own token")
    path = where.jupyter_dirs[0] / SAFEPIP_CONFIG
    data = _read_json(path)
    section = _section(data, path, "SafePip", create=True)
    try:
        changes = point_at(where.name, url)
    except IndexConfigError as exc:
        raise AdminError(str(exc)) from None
    if section.get("index_url") != url:
        section["index_url"] = url
        _write_json(path, data)
        changes.append(f"kernels resolve from {url} (SafePip.index_url; add it to SafePip.locked to hold users to "
                       f"it): {path}")
    return changes


def stop_using_index(where: Level) -> list[str]:
    from .index_config import IndexConfigError, stop_pointing

    path = where.jupyter_dirs[0] / SAFEPIP_CONFIG
    data = _read_json(path)
    section = _section(data, path, "SafePip", create=False)
    url = section.get("index_url") if section else None
    try:
        changes = stop_pointing(where.name, url)
    except IndexConfigError as exc:
        raise AdminError(str(exc)) from None
    if section is not None and "index_url" in section:
        del section["index_url"]
        if not section:
            del data["SafePip"]
        _write_json(path, data)
        changes.append(f"kernels no longer resolve from {url} (SafePip.index_url): {path}")
    return changes


def _drop_if_empty(data: dict, section: str, key: str) -> None:
    """Remove the list or mapping disable emptied, and its section if nothing else is in it."""
    if not data[section][key]:
        del data[section][key]
    if not data[section]:
        del data[section]


# --- status -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LevelStatus:
    """What one level says about the kernel guard and the server extension (None: says nothing)."""

    level: Level
    kernel: bool | None
    kernel_files: tuple[Path, ...]
    server: bool | None
    server_files: tuple[Path, ...]


def level_status(where: Level) -> LevelStatus:
    from traitlets.config import Config

    merged, kernel_files = Config(), []
    for directory in reversed(where.ipython_dirs):  # IPython reads the later directories first
        for path, config in _ipython_files(directory):
            if _loads_extension(config) is not None:
                merged.merge(config)
                kernel_files.append(path)
    server, server_files = None, []
    for path in (f for directory in reversed(where.jupyter_dirs) for f in _server_files(directory)):
        value = _server_value(_read_json(path), path)
        if value is not None:
            server, server_files = value, [*server_files, path]
    return LevelStatus(where, _loads_extension(merged), tuple(kernel_files), server, tuple(server_files))


def kernels_load_guard() -> bool:
    """Whether a new kernel of this environment loads the guard, all levels merged as IPython merges them."""
    from traitlets.config import Config

    merged = Config()
    for name in LEVELS:
        for directory in reversed(level(name).ipython_dirs):
            for _, config in _ipython_files(directory):
                merged.merge(config)
    return bool(_loads_extension(merged))


def status_text(names: tuple[str, ...]) -> tuple[str, bool]:
    """The status report and whether everything could be read."""
    lines = [f"jupyter_safepip {__version__} for {sys.executable}", ""]
    lines.append(f"{'level':11} {'kernel guard':13} {'server extension':17} files")
    statuses = [level_status(level(name)) for name in names]
    for s in statuses:
        files = ", ".join(map(str, dict.fromkeys([*s.kernel_files, *s.server_files]))) or "-"
        lines.append(f"{s.level.name:11} {_yes_no(s.kernel):13} {_yes_no(s.server):17} {files}")
    lines.append("directories read (IPython kernel configuration; Jupyter configuration):")
    lines += [f"  {s.level.name:11} {', '.join(map(str, s.level.ipython_dirs))}; {', '.join(map(str, s.level.jupyter_dirs))}"
              for s in statuses]
    if len(names) == len(LEVELS):
        server = [s.server for s in statuses if s.server is not None]
        lines.append(f"new kernels of this environment load the guard: {'yes' if kernels_load_guard() else 'no'}")
        lines.append(f"Jupyter servers of this environment load the extension: {'yes' if server and server[-1] else 'no'}")
    policy, ok = _policy_lines()
    return "\n".join([*lines, "", *policy]), ok


def _policy_lines() -> tuple[list[str], bool]:
    from .config import ConfigError, config_layers, effective_config

    try:
        config = effective_config(config_layers())
    except ConfigError as exc:
        return [f"policy: error: {exc}"], False
    lines = ["policy (locked settings cannot be changed by users):", *(f"  {row}" for row in config.table(_as_json))]
    lines += [f"  refused: {r}" for r in config.refused]
    return lines, True


def _as_json(value: object) -> str:
    """A setting's value as the JSON an administrator writes (600, not 600.0)."""
    return json.dumps(int(value) if isinstance(value, float) and value.is_integer() else value)


def _yes_no(value: bool | None) -> str:
    return "-" if value is None else ("yes" if value else "no")


def _ipython_files(directory: Path):
    """(path, Config) of the kernel configuration files of a directory, in the order IPython reads them."""
    from traitlets.config.loader import ConfigFileNotFound, JSONFileConfigLoader, PyFileConfigLoader

    base = KERNEL_CONFIG.removesuffix(".json")
    for loader_class, suffix in ((PyFileConfigLoader, ".py"), (JSONFileConfigLoader, ".json")):
        try:
            yield directory / (base + suffix), loader_class(base + suffix, path=str(directory)).load_config()
        except ConfigFileNotFound:
            continue
        except Exception as exc:  # noqa: BLE001 - a broken file must say which one
            raise AdminError(f"cannot read {directory / (base + suffix)}: {exc}") from None


def _loads_extension(config) -> bool | None:
    """Whether a kernel configuration loads the extension; None when it sets no extension list at all."""
    said = None
    for key in ("extensions", "extra_extensions"):
        value = None
        for app in ("InteractiveShellApp", "IPKernelApp"):  # the subclass's section wins, as in traitlets
            if app in config and key in config[app]:
                value = config[app][key]
        if isinstance(value, list):
            said = bool(said) or EXTENSION in value
    return said


def _server_files(directory: Path) -> list[Path]:
    """jupyter_server's files of one directory, in the order it reads them (later ones win)."""
    conf_d = directory / SERVER_CONFIG_D
    files = sorted(conf_d.glob("*.json")) if conf_d.is_dir() else []
    return [*files, directory / "jupyter_server_config.json"]


def _server_value(data: dict, path: Path) -> bool | None:
    extensions = _dict_at(data, path, "ServerApp", "jpserver_extensions", create=False)
    return None if extensions is None or SERVER_EXTENSION not in extensions else bool(extensions[SERVER_EXTENSION])


# --- JSON files, merged in place ----------------------------------------------------------------

def _read_json(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise AdminError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise AdminError(f"{path} is not valid JSON ({exc}); fix or remove it, nothing was changed") from None
    if not isinstance(data, dict):
        raise AdminError(f"{path} does not hold a JSON object; fix or remove it, nothing was changed")
    return data


def _write_json(path: Path, data: dict) -> None:
    try:
        if not data:
            path.unlink(missing_ok=True)
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(partial, path)  # readers never see half a file
    except OSError as exc:
        raise AdminError(f"cannot write {path}: {exc.strerror or exc} (an administrator may have to run this, "
                         "or choose another level)") from None


def _dict_at(data: dict, path: Path, section: str, key: str, *, create: bool) -> dict | None:
    found = _section(data, path, section, create)
    if found is None:
        return None
    if key not in found and create:
        found[key] = {}
    value = found.get(key)
    if value is not None and not isinstance(value, dict):
        raise AdminError(f"{path}: {section}.{key} is not a JSON object; fix it, nothing was changed")
    return value


def _list_at(data: dict, path: Path, section: str, key: str, *, create: bool) -> list | None:
    found = _section(data, path, section, create)
    if found is None:
        return None
    if key not in found and create:
        found[key] = []
    value = found.get(key)
    if value is not None and not isinstance(value, list):
        raise AdminError(f"{path}: {section}.{key} is not a JSON list; fix it, nothing was changed")
    return value


def _section(data: dict, path: Path, section: str, create: bool) -> dict | None:
    if section not in data and create:
        data[section] = {}
    found = data.get(section)
    if found is not None and not isinstance(found, dict):
        raise AdminError(f"{path}: {section} is not a JSON object; fix it, nothing was changed")
    return found


# --- command line -------------------------------------------------------------------------------

def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter safepip",
        description="Load the jupyter_safepip guard in every new kernel and server, at one configuration level.")
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(dest="command", required=True, metavar="{enable,disable,status,serve}")
    commands.add_parser("serve", help="run the vetting index (jupyter safepip serve --help)", add_help=False)
    for name, text in (("enable", "load the guard in every new kernel and enable the server extension"),
                       ("disable", "take out what enable wrote at that level"),
                       ("status", "where the guard is enabled, and the effective policy with its locks")):
        sub = commands.add_parser(name, help=text, description=text)
        group = sub.add_mutually_exclusive_group()
        group.add_argument("--sys-prefix", dest="level", action="store_const", const="sys-prefix",
                           help=f"this Python environment ({sys.prefix}){'; the default' if name != 'status' else ''}")
        group.add_argument("--user", dest="level", action="store_const", const="user",
                           help="the current user's IPython profile and Jupyter configuration")
        group.add_argument("--system", dest="level", action="store_const", const="system",
                           help="every environment on this machine (/usr/local/etc/...)")
        if name == "enable":
            sub.add_argument("--hub-index", metavar="URL", help="also point pip, uv and the guard at this vetting "
                             "index (jupyter safepip serve), e.g. http://safepip-index:8765/simple/")
        elif name == "disable":
            sub.add_argument("--hub-index", action="store_true", help="also take out the index enable --hub-index wrote")
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["serve"]:
        from .vetting.serve import main as serve

        return serve(argv[1:])
    args = _parser().parse_args(argv)
    try:
        if args.command == "status":
            text, ok = status_text((args.level,) if args.level else LEVELS)
            try:
                print(text, flush=True)
            except BrokenPipeError:  # `status | head`: the reader has all it wanted
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0 if ok else 1
        where = level(args.level or "sys-prefix")
        changes = (enable if args.command == "enable" else disable)(where)
        if args.hub_index:
            changes += (use_index(where, args.hub_index) if args.command == "enable" else stop_using_index(where))
        for change in changes:
            print(change)
        if not changes:
            print(f"nothing to do: already {args.command}d at the {where.name} level")
        if args.command == "disable":
            still = [s for s in (level_status(level(n)) for n in LEVELS) if s.kernel or s.server]
            for s in still:
                files = ", ".join(map(str, (*s.kernel_files, *s.server_files)))
                print(f"note: still enabled at the {s.level.name} level by {files}")
        return 0
    except AdminError as exc:
        print(f"jupyter safepip: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
