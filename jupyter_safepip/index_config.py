"""Point pip and uv at one index at a configuration level (`jupyter safepip enable --hub-index URL`).

pip: the level's pip.conf as pip itself locates it (environment: sys.prefix/pip.conf; system: the last global
file; user: the user's file), `[global] index-url`. uv: its uv.toml (system: /etc/uv/uv.toml; user:
~/.config/uv/uv.toml) gets a marked `[[index]]` block with `default = true`; uv has no per-environment
configuration, which is said. The guard's SafePip.index_url is set at the same level, so kernels resolve from
the same index. Files are merged, never replaced; `disable --hub-index` takes out exactly what was written.
"""

from __future__ import annotations

import configparser
import os
from pathlib import Path

UV_BEGIN = "# jupyter_safepip: begin (jupyter safepip enable --hub-index)"
UV_END = "# jupyter_safepip: end"


class IndexConfigError(ValueError):
    """A file that cannot be read or written; one line says which."""


def pip_config_file(level: str) -> Path:
    from pip._internal.configuration import get_configuration_files

    files = get_configuration_files()
    kind = {"sys-prefix": "site", "system": "global", "user": "user"}[level]
    return Path(files[kind][-1])


def uv_config_file(level: str) -> Path | None:
    if level == "system":
        return Path("/etc/uv/uv.toml")
    if level == "user":
        base = os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config"
        return Path(base) / "uv" / "uv.toml"
    return None  # uv reads no configuration from a Python environment


def point_at(level: str, url: str) -> list[str]:
    """Write the index into pip's and uv's configuration of the level; returns what changed."""
    changes = []
    pip_file = pip_config_file(level)
    parser = _read_pip(pip_file)
    if not parser.has_section("global"):
        parser.add_section("global")
    if parser.get("global", "index-url", fallback=None) != url:
        parser.set("global", "index-url", url)
        _write(pip_file, _pip_text(parser))
        changes.append(f"pip reads the index {url}: {pip_file}")
    uv_file = uv_config_file(level)
    if uv_file is None:
        changes.append("uv reads no per-environment configuration: use --system, or UV_DEFAULT_INDEX (set for every "
                       "user by configure_vetting_index on a hub)")
    else:
        text = _read(uv_file)
        block = f'{UV_BEGIN}\n[[index]]\nurl = "{url}"\ndefault = true\n{UV_END}\n'
        kept = _without_block(text)
        if block not in text:
            _write(uv_file, (kept.rstrip("\n") + "\n\n" if kept.strip() else "") + block)
            changes.append(f"uv reads the index {url}: {uv_file}")
    return changes


def stop_pointing(level: str, url: str | None = None) -> list[str]:
    """Take out what point_at wrote (pip's index-url only if it is `url`, when given); returns what changed."""
    changes = []
    pip_file = pip_config_file(level)
    parser = _read_pip(pip_file)
    current = parser.get("global", "index-url", fallback=None)
    if current is not None and (url is None or current == url):
        parser.remove_option("global", "index-url")
        if not parser.items("global", raw=True) and parser.has_section("global"):
            parser.remove_section("global")
        _write(pip_file, _pip_text(parser))
        changes.append(f"pip no longer reads the index {current}: {pip_file}")
    uv_file = uv_config_file(level)
    if uv_file is not None and UV_BEGIN in _read(uv_file):
        _write(uv_file, _without_block(_read(uv_file)))
        changes.append(f"uv no longer reads the vetting index: {uv_file}")
    return changes


def _without_block(text: str) -> str:
    if UV_BEGIN not in text:
        return text
    before, _, rest = text.partition(UV_BEGIN)
    _, _, after = rest.partition(UV_END)
    return (before.rstrip("\n") + "\n" + after.lstrip("\n")).lstrip("\n") if before.strip() else after.lstrip("\n")


def _read_pip(path: Path) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(_read(path), source=str(path))
    except configparser.Error as exc:
        raise IndexConfigError(f"cannot read {path}: {' '.join(str(exc).split())}") from None
    return parser


def _pip_text(parser: configparser.RawConfigParser) -> str:
    import io

    out = io.StringIO()
    parser.write(out)
    return out.getvalue()


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ""
    except (OSError, UnicodeDecodeError) as exc:
        raise IndexConfigError(f"cannot read {path}: {getattr(exc, 'strerror', None) or exc}") from None


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".safepip-tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise IndexConfigError(f"cannot write {path}: {exc.strerror or exc}") from None
