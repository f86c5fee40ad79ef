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
            yield Hit("install-runs-pip", source.path, call.line, source.snippet(call.line), call.scope)
            return


_SITE_LINE_ENDS = re.compile(r"\r\n|\r|\n")


def pth_code(text: str) -> list[tuple[int, str]]:
    """The lines of a .pth file that Python executes at start-up (those starting with `import`), split as
    site.py splits them: a text file's own line ends only (a form feed or U+2028 does not end a line there,
    as str.splitlines would)."""
    return [
        (number, line)
        for number, line in enumerate(_SITE_LINE_ENDS.split(text), start=1)
        if line.startswith(("import ", "import\t"))
    ]


def backend_path(path: str, text: str) -> tuple[list[Hit], tuple[str, ...]]:
    """A hit and the in-tree backend directories when pyproject.toml builds with code from the package itself."""
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):  # tomllib recurses into nested arrays
        match = re.search(r"^\s*backend-path\s*=", text, re.MULTILINE)
        if not match:
            return [], ()
        line = text.count("\n", 0, match.start()) + 1
        return [Hit("install-backend-in-tree", path, line, shorten(text.splitlines()[line - 1].strip()))], (".",)
    system = data.get("build-system")
    paths = system.get("backend-path") if isinstance(system, dict) else None
    if not paths:
        return [], ()
    dirs = tuple(str(p) for p in paths) if isinstance(paths, list) else (str(paths),)
    line = next((n for n, l in enumerate(text.splitlines(), 1) if "backend-path" in l), None)
    backend = system.get("build-backend", "")
    return [Hit("install-backend-in-tree", path, line, shorten(f"build-backend = {backend!r}, backend-path = {list(dirs)}"))], dirs
