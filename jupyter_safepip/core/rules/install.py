"""Install-time execution: setup.py code besides setup(), overridden commands, in-tree backends, .pth files, pip calls."""

from __future__ import annotations

import ast
import re
import tomllib
from collections.abc import Iterator

from .base import Hit
from ..analysis.source import Source, shorten
from .capabilities import PROCESS
from .shell import command_strings

SETUP_CALLS = frozenset({"setup", "setuptools.setup", "distutils.core.setup", "skbuild.setup", "numpy.distutils.core.setup"})
HOOKED_COMMANDS = frozenset({
    "install", "develop", "egg_info", "build", "build_py", "bdist_egg", "bdist_wheel", "sdist", "install_lib",
    "install_scripts", "install_data", "easy_install",
})
# Calls a setup.py makes routinely at module level: reading files, paths, version checks, logging.
ROUTINE_SUFFIXES = (
    "print", "exit", "warn", "append", "extend", "insert", "update", "remove", "setdefault", "chdir", "insert",
    "filterwarnings", "simplefilter", "basicConfig", "require_version",
)
DELEGATING = ("run", "run_command", "execute", "announce", "info", "warn", "print", "super", "__init__", "initialize_options", "finalize_options")
PIP_CALLS = frozenset({"pip.main", "pip._internal.main", "pip._internal.cli.main.main", "pip._internal.main.main"})
_PIP_INSTALL = re.compile(r"\bpip3?\b[^\n]{0,60}\binstall\b")
# What pip is told to install from, when it is not the configured index: an address, a VCS URL, another index.
_PIP_ELSEWHERE = re.compile(r"(?:^|\s)(?:https?://|git\+|svn\+|hg\+|ftp://|--index-url\b|--extra-index-url\b|-i\s|"
                            r"--find-links\b|-f\s|--trusted-host\b)")


def setup_script(source: Source) -> Iterator[Hit]:
    """Rules that only make sense for setup.py."""
    if source.tree is None:
        return
    extra = _first_extra_call(source, source.tree.body)
    if extra is not None:
        yield Hit("install-code-in-setup", source.path, extra.lineno, source.snippet(extra.lineno))
    for node in ast.walk(source.tree):
        if isinstance(node, ast.ClassDef) and _is_hooked(source, node):
            run = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == "run"), None)
            if run is not None and _does_more_than_delegate(source, run):
                yield Hit("install-cmdclass-override", source.path, node.lineno, source.snippet(node.lineno))


def _first_extra_call(source: Source, body: list[ast.stmt]) -> ast.stmt | None:
    for stmt in body:
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            name = source.resolve(stmt.value.func)
            if name not in SETUP_CALLS and not name.endswith(ROUTINE_SUFFIXES):
                return stmt
        elif isinstance(stmt, (ast.If, ast.Try, ast.With, ast.For, ast.While)):
            nested = [*stmt.body, *getattr(stmt, "orelse", []), *getattr(stmt, "finalbody", [])]
            for handler in getattr(stmt, "handlers", []):
                nested += handler.body
            found = _first_extra_call(source, nested)
            if found is not None:
                return found
    return None


def _is_hooked(source: Source, node: ast.ClassDef) -> bool:
    for base in node.bases:
        last = source.resolve(base).rsplit(".", 1)[-1].lstrip("_").lower()
        if last in HOOKED_COMMANDS or last.startswith(("orig_", "original_")) and last.split("_", 1)[1] in HOOKED_COMMANDS:
            return True
    return False


def _does_more_than_delegate(source: Source, run: ast.FunctionDef) -> bool:
    for node in ast.walk(run):
        if isinstance(node, ast.Call):
            name = source.resolve(node.func)
            if not name.rsplit(".", 1)[-1].endswith(DELEGATING):
                return True
    return False


def runs_pip(source: Source) -> Iterator[Hit]:
    """Code that installs further packages by itself: pip.main, or a program call whose command line is
    `pip install` (a string that only mentions pip, in a message or a docstring, is not a call)."""
    for call in source.calls:
        command = " ".join(command_strings(source, call)) if PROCESS.matches(call.name) else ""
        if call.name in PIP_CALLS or _PIP_INSTALL.search(command):
            rule = "install-runs-pip-url" if _PIP_ELSEWHERE.search(command.split("install", 1)[-1]) else "install-runs-pip"
            yield Hit(rule, source.path, call.line, source.snippet(call.line), call.scope)
            return


def backend_path(path: str, text: str) -> list[Hit]:
    """A hit when pyproject.toml builds with code from the package itself (reach.py follows that code)."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):  # tomllib recurses into nested arrays
        match = re.search(r"^\s*backend-path\s*=", text, re.MULTILINE)
        if not match:
            return []
        line = text.count("\n", 0, match.start()) + 1
        return [Hit("install-backend-in-tree", path, line, shorten(text.splitlines()[line - 1].strip()))]
    system = data.get("build-system")
    paths = system.get("backend-path") if isinstance(system, dict) else None
    if not paths:
        return []
    dirs = [str(p) for p in paths] if isinstance(paths, list) else [str(paths)]
    line = next((n for n, l in enumerate(text.splitlines(), 1) if "backend-path" in l), None)
    backend = system.get("build-backend", "")
    return [Hit("install-backend-in-tree", path, line, shorten(f"build-backend = {backend!r}, backend-path = {dirs}"))]
