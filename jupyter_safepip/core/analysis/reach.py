"""Where the code of each file of an archive runs, computed once, in one place.

Roots are the code that runs without the user calling it: at install time (setup.py, build hooks, an in-tree
build backend, cmdclass classes named in setup.cfg or pyproject.toml, the module a `version = attr:` names), at
every start (sitecustomize, `.pth` lines, Jupyter kernelspecs, server and IPython extensions switched on by the
wheel's config files, the code lines those configs run) and on import (module level of every library file).
From each root the package's own imports are followed: an imported module's import-time code, and the functions
the importer calls by name, run when the importer does. A file's code that nothing reaches is library code.
"""

from __future__ import annotations

import ast
import configparser
import enum
import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..archive import Member
from .source import Source, callees, closure, qualified_scopes

_WHEEL_INFO = re.compile(r"^[^/!]+\.dist-info/WHEEL$")
_DATA = r"^[^/]+\.data/data/"
# Modules Python imports by itself on every start, when a wheel puts them on sys.path.
_STARTUP_MODULE = re.compile(r"^(?:[^/]+\.data/(?:purelib|platlib)/)?(?:sitecustomize|usercustomize)\.py$")
KERNEL_SPEC = re.compile(_DATA + r"share/jupyter/kernels/[^/]+/kernel\.json$")
# Config files Jupyter and IPython read at every start from sys.prefix/etc: Python ones run as code.
STARTUP_CONFIG = re.compile(_DATA + r"etc/(?:jupyter|ipython)/(?:[^/]+/)*[^/]+\.py$")
STARTUP_JSON = re.compile(_DATA + r"etc/(?:jupyter|ipython)/(?:[^/]+/)*[^/]+\.json$")
# What a Jupyter server or IPython calls in a module it loads as an extension.
EXTENSION_HOOKS = frozenset({"_load_jupyter_server_extension", "load_jupyter_server_extension",
                             "_jupyter_server_extension_points", "_jupyter_server_extension_paths",
                             "load_ipython_extension", "_jupyter_labextension_paths", "_jupyter_nbextension_paths"})
_EXTENSION_KEYS = frozenset({"jpserver_extensions", "nbserver_extensions", "server_extensions", "extensions",
                             "default_extensions"})
_CODE_KEYS = frozenset({"exec_lines", "code_to_run"})
_FILE_KEYS = frozenset({"exec_files", "file_to_run"})
# Code in tests or docs only runs when someone runs the tests or builds the docs. Below the top level, any
# directory whose name has such a word; at the top (an sdist's own tests/, a wheel's stray tests package),
# only the conventional names, since a top-level directory is usually the package itself (`sample_utils`).
_NOT_INSTALLED_DIR = re.compile(r"(?:^|[\W_])(?:tests?|testing|testsuite|docs?|examples?|benchmarks?|samples?)(?:[\W_]|$)", re.IGNORECASE)
_NOT_INSTALLED_TOP = re.compile(r"(?:tests?|testing|docs?|examples?|benchmarks?|samples?)", re.IGNORECASE)
_TEST_FILE = re.compile(r"^(test_.*|.*_test|conftest)\.py$")
_EXECS_FILE = frozenset({"exec", "eval", "compile", "builtins.exec", "execfile", "runpy.run_path"})
_SITE_PACKAGES_DATA = re.compile(r"^[^/]+\.data/(?:purelib|platlib)/")
_SITE_LINE_ENDS = re.compile(r"\r\n|\r|\n")


class Where(enum.Enum):
    """When the code in a file runs: this weighs how bad the same behaviour is."""

    INSTALL = "runs during pip install"
    STARTUP = "runs by itself every time Python starts"
    JUPYTER = "runs by itself whenever Jupyter, IPython or a kernel starts"
    LIBRARY = "runs when the package is imported or used"
    TESTS = "ships with the tests, docs or examples and runs only if someone runs those"
    TEST_MODULE = "is a test module (test_*.py, conftest.py) that nothing in the package imports: it runs only in a test run"


# Which placement wins when several roots reach the same code.
_RANK = {Where.INSTALL: 4, Where.STARTUP: 4, Where.JUPYTER: 3, Where.LIBRARY: 2, Where.TEST_MODULE: 1, Where.TESTS: 0}


@dataclass(frozen=True)
class Layout:
    """What kind of archive this is and where its parts are."""

    wheel: bool
    pure_wheel: bool
    root: str  # an sdist's top directory, with a trailing slash ("" when there is none)
    config: dict[str, object] = field(default_factory=dict, hash=False, compare=False)  # pyproject.toml, parsed

    def relative(self, name: str) -> str:
        return name[len(self.root):] if self.root and name.startswith(self.root) else name

    def module_of(self, name: str) -> tuple[str, ...]:
        """A file's dotted module path ('pkg/docs/__init__.py' -> pkg, docs), with any leading directories."""
        parts = (in_site_packages(name) if self.wheel else self.relative(name)).split("/")
        stem = parts[-1].rsplit(".", 1)[0]
        return tuple(parts[:-1]) if stem == "__init__" else (*parts[:-1], stem)

    def tests_or_docs_depth(self, name: str) -> int | None:
        """Which directory of a path puts it under tests/, docs/, examples/... (its index below the root), or None."""
        for depth, part in enumerate(self.relative(name).split("/")[:-1]):
            if (_NOT_INSTALLED_TOP.fullmatch(part) if depth == 0 else _NOT_INSTALLED_DIR.search(part)):
                return depth
        return None

    def default(self, name: str) -> Where:
        """Where a file's code runs when no root reaches it."""
        if self.tests_or_docs_depth(name.split("!")[0]) is not None:
            return Where.TESTS
        if "!" not in name and _TEST_FILE.match(name.rsplit("/", 1)[-1]):
            return Where.TEST_MODULE
        return Where.LIBRARY


@dataclass(frozen=True)
class Root:
    """Code that runs without the user calling it: a file (or code text), when, and which of its functions."""

    name: str  # the member, or "<config file>#<key>" for code lines a config runs
    where: Where
    functions: frozenset[str] = frozenset()  # besides module level: `f` or `Class.method`
    whole: bool = False  # every function and the __main__ block run (setup.py, a backend, `python -m`)
    code: bytes | None = None  # code text a config runs (exec_lines), when it is not a member


@dataclass(frozen=True)
class Placement:
    """Where each scope of one file runs; scopes not listed run where `default` says. `on_import`: the scopes
    that run as soon as the package is imported (module level, and what it calls, across the package's modules)."""

    default: Where
    scopes: dict[int, Where] = field(default_factory=dict, hash=False)
    on_import: frozenset[int] = frozenset()

    def of(self, scope: int) -> Where:
        return self.scopes.get(scope, self.default)


@dataclass(frozen=True)
class CodeMap:
    """What placing needs of one file's code, kept once its syntax tree and values are let go: what it imports
    and calls from which scope, which files it reads and runs, and how its scopes call each other."""

    imports: frozenset[tuple[int, str, int]]  # (relative level, dotted module, scope)
    calls: tuple[tuple[str, int], ...]  # (dotted name, scope) of each call
    executes: tuple[tuple[int, str], ...]  # (scope, path) of each file it reads and executes
    import_time: frozenset[int]
    scopes: frozenset[int]
    named: dict[str, frozenset[int]] = field(hash=False)  # `f` or `Class.method` -> its scopes
    callees: dict[int, frozenset[int]] = field(hash=False)
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()  # `c.App.option = value` of a Python config file

    def runs_from(self, functions: Iterable[str], whole: bool = False) -> set[int]:
        """The scopes that run when the module is imported and then `functions` (top-level names, or
        `Class.method`) are called; with `whole`, every scope (the file runs as a program, or each function
        of it is a hook)."""
        if whole:
            return set(self.scopes)
        wanted = set(functions)
        if not wanted:
            return set(self.import_time)
        return closure(self.callees, {0}.union(*(self.named.get(name, ()) for name in wanted)))


def code_map(source: Source, config: bool = False) -> CodeMap:
    """The map of a loaded file (`config`: also the options it sets, for a Jupyter or IPython config file)."""
    interpreter = source.interpreter
    executes = tuple((call.scope, path) for call in source.calls
                     if call.name in _EXECS_FILE and call.node is not None and call.node.args
                     for path in _paths_read(source, call.node.args[0], call.scope))
    calls = tuple(dict.fromkeys((call.name, call.scope) for call in source.calls))
    if interpreter is None:
        return CodeMap(frozenset(source.imports), calls, executes, frozenset({0}), frozenset({0}), {}, {})
    return CodeMap(frozenset(source.imports), calls, executes, frozenset(source.import_time), frozenset(interpreter.scopes),
                   {name: frozenset(numbers) for name, numbers in qualified_scopes(interpreter).items()},
                   {caller: frozenset(called) for caller, called in callees(interpreter).items()},
                   tuple(_config_assignments(source)) if config else ())


def _paths_read(source: Source, node: ast.AST, scope: int) -> list[str]:
    """The paths of the file an exec-like call's argument is read from (`exec(open(path).read())`), or names."""
    value = source.value(node, scope)
    return [o[6:-1] for o in value.origins if o.startswith("<file ")] + value.texts


def in_site_packages(name: str) -> str:
    """Where a wheel's file lands below site-packages (its .data/purelib and platlib parts land there too)."""
    return _SITE_PACKAGES_DATA.sub("", name, count=1)


def layout_of(by_name: dict[str, Member]) -> Layout:
    wheel_info = next((m for n, m in by_name.items() if _WHEEL_INFO.match(n)), None)
    if wheel_info is not None:
        text = wheel_info.data.decode("utf-8", "replace")
        tags = re.findall(r"^Tag:\s*(\S+)", text, re.MULTILINE)
        pure = bool(re.search(r"^Root-Is-Purelib:\s*true", text, re.MULTILINE | re.IGNORECASE))
        return Layout(True, pure and all(tag.endswith("-none-any") for tag in tags), "")
    tops = {name.split("/", 1)[0] for name in by_name if "!" not in name}
    root = f"{tops.pop()}/" if len(tops) == 1 and not any(n in tops for n in ("setup.py", "PKG-INFO")) else ""
    return Layout(False, False, root, _toml(by_name.get(f"{root}pyproject.toml")))


Loader = Callable[[str, "bytes | None"], "CodeMap | None"]  # a member (or code text a config runs), mapped


def _roots(layout: Layout, by_name: dict[str, Member], modules: "_ModuleIndex", load: Loader) -> list[Root]:
    """The code of this archive that runs by itself, from its layout and its config files."""
    found = _wheel_roots(by_name, modules, load) if layout.wheel else _sdist_roots(layout, by_name, modules)
    return found + _pth_roots(by_name)


def place(layout: Layout, by_name: dict[str, Member], load: Loader) -> dict[str, Placement]:
    """Where each scope of each Python file (and of each code text a config runs) runs: the roots, then every
    library file's own import, followed through the package's own imports."""
    modules = _ModuleIndex(layout, by_name)
    root_list = _roots(layout, by_name, modules, load)
    codes = {root.name: root.code for root in root_list if root.code is not None}
    queue = [(root.name, root.where, root.functions, root.whole, False) for root in root_list]
    queue += [(n, layout.default(n), frozenset(), False, False) for n in modules.python if layout.default(n) is not Where.TESTS]
    queue.sort(key=lambda entry: _RANK[entry[1]])  # strongest first: what install-time code reaches is install time
    scopes: dict[str, dict[int, Where]] = {}
    imported: set[str] = set()  # files another file imports: importable code, whatever their directory says
    on_import: dict[str, set[int]] = {}
    running_at: dict[tuple[str, Where], set[int]] = {}  # what already runs, per file and placement
    while queue:
        name, where, functions, whole, by_import = queue.pop()
        code = load(name, codes.get(name))
        if code is None:
            continue
        if by_import and _RANK[where] >= _RANK[Where.LIBRARY]:
            imported.add(name)
        done = running_at.setdefault((name, where), set())
        running = code.runs_from(functions, whole) - done
        if not running:
            continue  # reached before with at least these scopes: nothing new to follow
        done |= running
        if where is Where.LIBRARY and "!" not in name:  # pip never unpacks a nested archive: nothing imports it
            on_import.setdefault(name, set()).update(running)
        found = scopes.setdefault(name, {})
        for scope in running:
            if scope not in found or _RANK[where] > _RANK[found[scope]]:
                found[scope] = where
        here = () if name in codes else layout.module_of(name)
        package = here if name.endswith("__init__.py") else here[:-1]
        queue += [(t, where, called, where is Where.INSTALL and _build_helper(layout, by_name, t), True)
                  for t, called in modules.imported_by(code, package, done, running)]
        queue += [(t, where, frozenset(), True, True) for t in modules.executed_by(code, running)]
    # A library file's own import only says which of its scopes run on import; they keep the file's default.
    return {name: Placement(Where.LIBRARY if name in imported else layout.default(name.split("#")[0]),
                            {s: w for s, w in found.items() if w is not Where.LIBRARY},
                            frozenset(on_import.get(name, ())))
            for name, found in scopes.items()}


def _wheel_roots(by_name: dict[str, Member], modules: "_ModuleIndex", load: Loader) -> list[Root]:
    found: list[Root] = []
    for name, member in by_name.items():
        if "!" in name or not member.complete:
            continue
        if _STARTUP_MODULE.match(name):
            found.append(Root(name, Where.STARTUP, whole=True))
        elif STARTUP_CONFIG.match(name):
            found.append(Root(name, Where.JUPYTER, whole=True))
            code = load(name, None)
            if code is not None:
                found += _config_roots(name, code.options, modules)
        elif KERNEL_SPEC.match(name):
            found += _kernel_roots(name, member.data, modules)
        elif STARTUP_JSON.match(name):
            try:
                config = json.loads(member.data)
            except (ValueError, RecursionError):
                continue
            found += _config_roots(name, _walk(config), modules)
    return found


def _pth_roots(by_name: dict[str, Member]) -> list[Root]:
    """Every .pth file's code lines (a wheel's, one an sdist installs as data, one in a nested wheel that someone
    installs later): each runs at every Python start."""
    return [Root(f"{name}#{n}", Where.STARTUP, whole=True, code=("\n" * (n - 1) + line).encode())
            for name, member in by_name.items() if name.endswith(".pth") and member.complete
            for n, line in pth_code(member.data.decode("utf-8-sig", "replace"))]  # newer Pythons skip a BOM


def _sdist_roots(layout: Layout, by_name: dict[str, Member], modules: "_ModuleIndex") -> list[Root]:
    root = layout.root
    system = _table(layout.config, "build-system")
    tool = _table(layout.config, "tool")
    setup_cfg = _ini(by_name.get(f"{root}setup.cfg"))
    install = [f"{root}{n}" for n in ("setup.py", "hatch_build.py", "pdm_build.py", *_build_scripts(tool))]
    backend, paths = system.get("build-backend"), system.get("backend-path")
    if isinstance(backend, str) and paths:
        for directory in paths if isinstance(paths, list) else [paths]:
            install += modules.named(backend.split(":")[0], _prefix(root, str(directory)))
    install += [n for dotted in _cmdclasses(tool, setup_cfg) for n in modules.named(dotted.rpartition(".")[0])]
    found = [Root(n, Where.INSTALL, whole=True) for n in dict.fromkeys(install) if n in by_name]
    # setuptools imports the module a `version = attr:` names (its module level runs at install).
    return found + [Root(n, Where.INSTALL) for dotted in _attr_versions(tool, setup_cfg)
                    for n in modules.named(dotted.rpartition(".")[0])]


def is_startup_file(name: str) -> bool:
    """sitecustomize/usercustomize, or a Python config Jupyter or IPython runs at start (a wheel's)."""
    return bool(_STARTUP_MODULE.match(name) or STARTUP_CONFIG.match(name))


def pth_code(text: str) -> list[tuple[int, str]]:
    """The lines of a .pth file that Python executes at start-up (those starting with `import`), split as
    site.py splits them: a text file's own line ends only (a form feed or U+2028 does not end a line there,
    as str.splitlines would)."""
    return [(number, line) for number, line in enumerate(_SITE_LINE_ENDS.split(text), start=1)
            if line.startswith(("import ", "import\t"))]


class _ModuleIndex:
    """The archive's Python files by dotted module name, matched from the end (an sdist may keep its packages
    under src/)."""

    def __init__(self, layout: Layout, by_name: dict[str, Member]) -> None:
        self.layout = layout
        self.by_name = by_name
        self.python = [n for n, m in by_name.items() if n.endswith((".py", ".pyw")) and m.complete]
        self.by_module: dict[tuple[str, ...], list[str]] = {}
        packages = {n.rsplit("/", 1)[0] for n in by_name if n.endswith("/__init__.py")}
        for name in (n for n in self.python if "!" not in n):  # pip never unpacks a nested archive
            module = layout.module_of(name)
            for start in self._starts(name, module, packages):
                self.by_module.setdefault(module[start:], []).append(name)
        self.by_basename: dict[str, list[str]] = {}
        for name in by_name:
            if "!" not in name:
                self.by_basename.setdefault(name.rsplit("/", 1)[-1], []).append(name)

    def _starts(self, name: str, module: tuple[str, ...], packages: set[str]) -> list[int]:
        """Where a file's dotted name may begin: at site-packages for a wheel; in an sdist, at its root or below
        any directory that is not itself a package (src/, or a build_tools/ directory put on sys.path). `import x`
        does not run pkg/docs/x.py, `import pkg.docs.x` does: a name must reach back to a tests/docs directory."""
        if self.layout.wheel:
            return [0]
        depth = self.layout.tests_or_docs_depth(name)
        last = len(module) - 1 if depth is None else min(depth, len(module) - 1)
        return [i for i in range(last + 1) if i == 0 or f"{self.layout.root}{'/'.join(module[:i])}" not in packages]

    def named(self, dotted: str, prefix: str = "") -> list[str]:
        """The files a dotted module name may be (under `prefix`, when given)."""
        found = self.by_module.get(tuple(dotted.split(".")), []) if dotted else []
        return [n for n in found if n.startswith(prefix)]

    def imported_by(self, code: CodeMap, package: tuple[str, ...], ran: set[int],
                    running: set[int]) -> list[tuple[str, frozenset[str]]]:
        """The package's own modules this file imports from code that runs (`ran`: every scope so far), each with
        the names of its functions that the newly running scopes call (`from ._boot import start; start()`)."""
        targets: dict[str, set[str]] = {}
        owners: dict[str, tuple[str, ...]] = {}
        for level, dotted, scope in code.imports:
            if scope not in ran or level - 1 > len(package):
                continue  # beyond the top of the archive: not one of its files
            base = package[: len(package) - level + 1] if level else ()
            name = (*base, *dotted.split("."))
            for size in range(1, len(name) + 1):  # `import a.b.c` runs a, a.b and a.b.c
                for target in self.by_module.get(name[:size], []):
                    targets.setdefault(target, set())
                    owners[target] = self.layout.module_of(target)
        for called, scope in code.calls:
            if scope not in running or "." not in called:
                continue
            module, _, function = called.rpartition(".")
            parts = tuple(module.split("."))
            for target, owner in owners.items():
                if owner[-len(parts):] == parts:
                    targets[target].add(function)
                elif len(parts) >= 2 and owner[-len(parts) + 1:] == parts[:-1]:  # `from .m import K; K.run()`
                    targets[target].add(f"{parts[-1]}.{function}")
        return [(t, frozenset(called)) for t, called in targets.items()]

    def files_at(self, path: str) -> list[str]:
        """The archive's files a path built at run time may name, by its last two parts ('~' stands for a
        directory that is not known, such as sys.prefix or the directory of __file__)."""
        parts = posixpath.normpath(path.replace("\\", "/")).split("/")
        tail = parts[-2:] if len(parts) >= 2 and parts[-2] not in ("~", ".", "..", "") else parts[-1:]
        return [c for c in self.by_basename.get(tail[-1], []) if c.split("/")[-len(tail):] == tail]

    def executed_by(self, code: CodeMap, running: set[int]) -> list[str]:
        """Files of the archive this code reads and executes (`exec(open(path).read())`, `runpy.run_path`)."""
        return [n for scope, path in code.executes if scope in running for n in self.files_at(path)]


def _build_helper(layout: Layout, by_name: dict[str, Member], name: str) -> bool:
    """An sdist's file that is not part of a package (a top-level module, a build_tools/ directory setup.py puts
    on sys.path): install-time code imports it to call it, in ways that are not always followed."""
    directory = layout.relative(name).rpartition("/")[0]
    return not layout.wheel and (not directory or f"{layout.root}{directory}/__init__.py" not in by_name)


def _kernel_roots(name: str, data: bytes, modules: "_ModuleIndex") -> list[Root]:
    """What a kernelspec's command line runs at every kernel start: `python -m module`, exec_lines."""
    try:
        spec = json.loads(data)
    except (ValueError, RecursionError):
        return []
    argv = spec.get("argv") if isinstance(spec, dict) else None
    argv = [a for a in argv if isinstance(a, str)] if isinstance(argv, list) else []
    found = [Root(n, Where.JUPYTER, whole=True) for flag, value in zip(argv, argv[1:]) if flag == "-m"
             for n in modules.named(value)]
    options = [(key.rsplit(".", 1)[-1], value) for key, _, value in (a.lstrip("-").partition("=") for a in argv)]
    return found + _config_roots(name, options, modules)


def _config_roots(name: str, options: Iterable[tuple[str, object]], modules: "_ModuleIndex") -> list[Root]:
    """What Jupyter or IPython options (each option as often as it is given) make them run: extensions (their
    module and loader), files and code lines."""
    found: list[Root] = []
    for number, (key, value) in enumerate(options):
        if key in _EXTENSION_KEYS:
            names = [k for k, on in value.items() if on] if isinstance(value, dict) else value if isinstance(value, (list, tuple)) else []
            found += [Root(n, Where.JUPYTER, EXTENSION_HOOKS) for m in names if isinstance(m, str) for n in modules.named(m)]
        elif key in _FILE_KEYS:
            paths = value if isinstance(value, (list, tuple)) else [value]
            found += [Root(n, Where.JUPYTER, whole=True) for p in paths if isinstance(p, str) for n in modules.files_at(p)]
        elif key in _CODE_KEYS:
            lines = value if isinstance(value, (list, tuple)) else [value]
            found += [Root(f"{name}#{key}{number}.{i}", Where.JUPYTER, whole=True, code=line.encode())
                      for i, line in enumerate(lines) if isinstance(line, str) and line]
    return found


def _config_assignments(source: Source) -> Iterable[tuple[str, tuple[str, ...]]]:
    """`c.App.option = value` in a Python config file: the option's last name and its value (text or list)."""
    if source.tree is None:
        return
    for node in ast.walk(source.tree):
        if isinstance(node, ast.Assign):
            value = source.value(node.value)
            texts = value.texts_deep
            for target in node.targets:
                if isinstance(target, ast.Attribute) and texts:
                    yield target.attr, tuple(texts)


def _table(config: dict[str, object], key: str) -> dict:
    value = config.get(key)
    return value if isinstance(value, dict) else {}


def _walk(config: object, depth: int = 0) -> Iterable[tuple[str, object]]:
    if isinstance(config, dict) and depth < 8:
        for key, value in config.items():
            yield str(key), value
            yield from _walk(value, depth + 1)


def _toml(member: Member | None) -> dict[str, object]:
    if member is None or not member.complete:
        return {}
    try:
        return tomllib.loads(member.data.decode("utf-8", "replace"))
    except (tomllib.TOMLDecodeError, ValueError, RecursionError):  # tomllib recurses into nested arrays
        return {}


def _ini(member: Member | None) -> configparser.ConfigParser | None:
    if member is None or not member.complete:
        return None
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    try:
        parser.read_string(member.data.decode("utf-8", "replace"))
    except (configparser.Error, ValueError, RecursionError):
        return None
    return parser


def _prefix(root: str, directory: str) -> str:
    normal = posixpath.normpath(directory.replace("\\", "/")).lstrip("/")
    return root if normal in (".", "") else f"{root}{normal}/"


def _build_scripts(tool: dict) -> list[str]:
    """Build scripts pyproject.toml names: poetry's build script, hatch's custom hook paths."""
    found = []
    build = _table(tool, "poetry").get("build")
    script = build.get("script") if isinstance(build, dict) else build
    if isinstance(script, str):
        found.append(script)
    for key, value in _walk(_table(tool, "hatch")):  # [tool.hatch.build(.targets.*).hooks.custom] path
        if key == "custom" and isinstance(value, dict):
            path = value.get("path", "hatch_build.py")
            found += [path] if isinstance(path, str) else []
    return found


def _cmdclasses(tool: dict, setup_cfg: configparser.ConfigParser | None) -> list[str]:
    """Dotted class names setuptools takes as commands from its config ([tool.setuptools.cmdclass], setup.cfg)."""
    found = [v for v in _table(_table(tool, "setuptools"), "cmdclass").values() if isinstance(v, str)]
    if setup_cfg is not None and setup_cfg.has_option("options", "cmdclass"):
        for line in setup_cfg.get("options", "cmdclass").splitlines():
            if "=" in line:
                found.append(line.split("=", 1)[1].strip())
    return found


def _attr_versions(tool: dict, setup_cfg: configparser.ConfigParser | None) -> list[str]:
    """Dotted names setuptools imports to read a dynamic value (`version = attr: pkg.VERSION`)."""
    dynamic = _table(_table(tool, "setuptools"), "dynamic")
    found = [v["attr"] for v in dynamic.values() if isinstance(v, dict) and isinstance(v.get("attr"), str)]
    if setup_cfg is not None:
        for section in setup_cfg.sections():
            for _, value in setup_cfg.items(section):
                if value.strip().startswith("attr:"):
                    found.append(value.strip()[5:].strip())
    return found
