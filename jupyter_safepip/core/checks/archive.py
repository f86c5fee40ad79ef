"""The archive check: read a wheel, sdist, egg or source tree safely and run the behaviour rules on it."""

from __future__ import annotations

import os
import posixpath
import re
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.utils import canonicalize_name

from ..archive import HEAD_BYTES, MAX_MEMBER_BYTES, MAX_MEMBERS, ArchiveIssue, ArchiveUnreadable, Member, read_archive
from ..model import CheckError, Finding
from ..rules import binaries, flows, install, jupyter_hooks, metadata, network, obfuscation, persistence, secrets, shell
from ..rules.base import Hit, Where
from ..rules.capabilities import worth_following
from ..rules.combine import is_test_module, tests_or_docs_dir, to_findings
from ..analysis.source import Source, exported, load, shorten
from ..analysis.values import Value

CHECK = "archive"
WANTED_SUFFIXES = (".py", ".pyw", ".pth", "PKG-INFO", "METADATA", "WHEEL", "pyproject.toml")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".tox", ".nox"})
PYTHON_MATCHERS = (obfuscation.match, network.match, shell.match, secrets.match, persistence.match, flows.match, install.runs_pip,
                   obfuscation.tangled_flow)  # last: it reports whether the others ran out of their budget
_WHEEL_INFO = re.compile(r"^[^/!]+\.dist-info/WHEEL$")
# Modules Python imports by itself on every start, when a wheel puts them on sys.path.
_STARTUP_MODULE = re.compile(r"^(?:[^/]+\.data/(?:purelib|platlib)/)?(?:sitecustomize|usercustomize)\.py$")


class ScanPathError(ValueError):
    """A path given to `safepip scan` that does not exist or is not an archive or directory."""


@dataclass(frozen=True)
class ArchiveScan:
    """What the behaviour rules found in one archive, and whether it could be read completely."""

    findings: tuple[Finding, ...]
    errors: tuple[CheckError, ...]
    files_scanned: int
    bytes_scanned: int


def scan_archive(
    path: Path, package: str | None = None, expected_name: str | None = None, expected_version: str | None = None
) -> ArchiveScan:
    """Inspect a wheel, sdist or egg without extracting or running anything from it."""
    package = package or name_from_filename(path.name)
    try:
        contents = read_archive(path, _wanted)
    except ArchiveUnreadable as exc:
        return ArchiveScan((), (CheckError(CHECK, f"could not inspect {path.name}: {exc}", package),), 0, 0)
    return _inspect(list(contents.members), contents.issues, contents.incomplete, contents.bytes_read, package,
                    expected_name, expected_version)


def scan_directory(path: Path) -> ArchiveScan:
    """Inspect a source tree (its setup.py counts as install-time code)."""
    members: list[Member] = []
    incomplete: list[str] = []
    total = 0
    top = path.resolve().name or "root"
    for root, dirs, files in os.walk(path, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for filename in sorted(files):
            full = Path(root, filename)
            name = f"{top}/{full.relative_to(path).as_posix()}"
            if full.is_symlink() or not full.is_file():
                continue
            if len(members) >= MAX_MEMBERS:
                incomplete.append(f"read only the first {MAX_MEMBERS} files")
                break
            size = full.stat().st_size
            wanted = _wanted(name) and size <= MAX_MEMBER_BYTES
            with full.open("rb") as handle:
                data = handle.read() if wanted else handle.read(HEAD_BYTES)
            total += len(data)
            members.append(Member(name, size, data, wanted and len(data) == size))
    package = canonicalize_name(top)
    return _inspect(members, (), tuple(incomplete), total, package, None, None)


def scan_paths(paths: list[Path]) -> list[tuple[Path, ArchiveScan]]:
    """Scan each local archive or directory, in order."""
    results = []
    for path in paths:
        if path.is_dir():
            results.append((path, scan_directory(path)))
        elif path.is_file():
            results.append((path, scan_archive(path)))
        else:
            raise ScanPathError(f"no such file or directory: {path}")
    return results


def name_from_filename(filename: str) -> str:
    """The project name a wheel, sdist or egg file name carries."""
    stem = re.sub(r"(\.tar\.gz|\.tgz|\.tar\.bz2|\.tar\.xz|\.tar|\.zip|\.whl|\.egg)$", "", filename, flags=re.IGNORECASE)
    if filename.lower().endswith((".whl", ".egg")) or stem.count("-") >= 4:
        return canonicalize_name(stem.split("-")[0])
    return canonicalize_name(stem.rsplit("-", 1)[0] if "-" in stem else stem)


def _wanted(name: str) -> bool:
    return name.endswith(WANTED_SUFFIXES) or jupyter_hooks.wanted(name)


@dataclass(frozen=True)
class _Layout:
    """Where the install-time code of this archive lives."""

    wheel: bool
    pure_wheel: bool
    root: str  # an sdist's top directory, with a trailing slash ("" when there is none)
    install_prefixes: tuple[str, ...]  # in-tree build backend directories
    build_hooks: frozenset[str] = frozenset()  # files build tools run (hatch_build.py, pdm_build.py, poetry's build.py)


def _inspect(
    members: list[Member],
    issues: tuple[ArchiveIssue, ...],
    incomplete: tuple[str, ...],
    bytes_read: int,
    package: str,
    expected_name: str | None,
    expected_version: str | None,
) -> ArchiveScan:
    by_name = {m.name: m for m in members}
    layout, hits = _layout(by_name)
    # An archive of test data (a tar of device files under tests/) is unpacked only by someone running the tests.
    hits += [(Hit(i.kind, i.name, None, i.detail), Where.TESTS if _nested_test_data(i, layout) else Where.LIBRARY)
             for i in issues]
    scanned = 0
    python = [m for m in members if m.complete and m.name.endswith((".py", ".pyw"))]
    wheres = {m.name: _where(m.name, layout) for m in python}
    library = [m for m in python if wheres[m.name] is Where.LIBRARY]
    # Code under tests/, docs/, examples/ runs only when someone runs it: not worth parsing, unless the
    # package's own code imports it (a payload kept where nobody looks); then it runs when its importer does.
    aside = {m.name: depth for m in library if (depth := tests_or_docs_dir(_relative(m.name, layout))) is not None}
    # Test modules in the package (pkg/test_x.py) are read last, weighed down, unless its own code imports them.
    test_modules = [m for m in library if m.name not in aside and is_test_module(m.name)]
    held_back = {m.name for m in test_modules}
    # A single-file module at an sdist's top (`_build_helpers.py`) runs at install time when setup.py imports it.
    top_modules = [m for m in library if not layout.wheel and "/" not in _relative(m.name, layout) and "!" not in m.name]
    reached_by = _import_names([(m, aside[m.name]) for m in library if m.name in aside and "!" not in m.name]
                               + [(m, len(_module_parts(_relative(m.name, layout))) - 1) for m in test_modules if "!" not in m.name]
                               + [(m, 0) for m in top_modules],
                               layout)
    shared = _SharedNames(layout)  # names one module of the package takes from another (decoder here, payload there)
    loaded = {m.name: shared.add(m, load(m.name, m.data, keep=worth_following)) for m in python if m.name not in aside}
    queue = sorted(((m, wheres[m.name]) for m in python if m.name not in aside and m.name not in held_back),
                   key=lambda entry: entry[1] is Where.INSTALL)  # install-time code first: it is popped first
    done: set[str] = set()
    while queue or (queue := [(m, Where.TEST_MODULE) for m in test_modules if m.name not in done]):  # then those
        member, where = queue.pop()
        if member.name in done:
            continue
        done.add(member.name)
        scanned += 1
        source = loaded.get(member.name) or load(member.name, member.data, keep=worth_following)
        if shared.feeds(member, source):
            source = load(member.name, member.data, keep=worth_following, imported=shared.resolver(member))
        found = [hit for matcher in PYTHON_MATCHERS for hit in matcher(source)]
        if where is Where.INSTALL and member.name == f"{layout.root}setup.py":
            found += install.setup_script(source)
        if where is Where.STARTUP:
            found.append(Hit("install-startup-module", member.name, None, "imported by Python itself at every start"))
        hits += [(replace(hit, at_import=hit.scope in source.import_time), where) for hit in found]
        for name in _absolute_imports(_relative(member.name, layout), source.imports):
            for size in range(1, len(name) + 1):  # `import a.b.c` runs a, a.b and a.b.c
                queue += [(imported, where) for imported in reached_by.pop(name[:size], [])]
    for member in members:
        if member.complete and member.name.endswith(".pth"):
            scanned += 1
            hits += _pth_hits(member)
    hits += [(h, Where.LIBRARY if _tests_or_docs(h.path, layout) is None else Where.TESTS)
             for h in [*binaries.match(members, layout.pure_wheel), *binaries.bytecode_only(members)]]
    if layout.wheel:
        hits += [(h, Where.INSTALL) for h in jupyter_hooks.match(members, package)]
    meta = _metadata_member(by_name, layout)
    if meta is not None:
        text = meta.data.decode("utf-8", "replace")
        hits += [(h, Where.LIBRARY) for h in metadata.match(meta.name, text, expected_name, expected_version)]
    findings = to_findings(hits, package)
    errors = tuple(CheckError(CHECK, f"partly inspected: {reason}", package) for reason in incomplete)
    return ArchiveScan(findings, errors, scanned, bytes_read)


class _SharedNames:
    """Module-level values of the package's own modules, by dotted module path, for the modules importing them."""

    def __init__(self, layout: _Layout) -> None:
        self.layout = layout
        self.by_module: dict[tuple[str, ...], dict[str, Value]] = {}

    def add(self, member: Member, source: Source) -> Source:
        values = exported(source)
        if values and "!" not in member.name:
            module = _module_parts(_relative(member.name, self.layout))
            for start in range(len(module)):  # matched from the end: an sdist may keep its packages under src/
                self.by_module.setdefault(module[start:], {}).update(values)
        return source

    def resolver(self, member: Member):
        package = tuple(_relative(member.name, self.layout).split("/")[:-1])

        def value_of(level: int, module: str, name: str) -> Value | None:
            if level - 1 > len(package):
                return None
            base = package[: len(package) - level + 1] if level else ()
            target = (*base, *module.split(".")) if module else base
            return self.by_module.get(target, {}).get(name)

        return value_of

    def feeds(self, member: Member, source: Source) -> bool:
        """Whether this file imports a name another module of the package gives a value."""
        if not self.by_module:
            return False
        resolve = self.resolver(member)
        return any(resolve(level, *dotted.rpartition(".")[::2]) is not None
                   for level, dotted in source.imports if "." in dotted or level)


def _layout(by_name: dict[str, Member]) -> tuple[_Layout, list[tuple[Hit, Where]]]:
    wheel_info = next((m for n, m in by_name.items() if _WHEEL_INFO.match(n)), None)
    if wheel_info is not None:
        text = wheel_info.data.decode("utf-8", "replace")
        tags = re.findall(r"^Tag:\s*(\S+)", text, re.MULTILINE)
        pure = bool(re.search(r"^Root-Is-Purelib:\s*true", text, re.MULTILINE | re.IGNORECASE))
        pure = pure and all(tag.endswith("-none-any") for tag in tags)
        return _Layout(True, pure, "", ()), []
    tops = {name.split("/", 1)[0] for name in by_name if "!" not in name}
    root = f"{tops.pop()}/" if len(tops) == 1 and not any(n in tops for n in ("setup.py", "PKG-INFO")) else ""
    pyproject = by_name.get(f"{root}pyproject.toml")
    hits: list[tuple[Hit, Where]] = []
    prefixes: tuple[str, ...] = ()
    hooks = {f"{root}hatch_build.py", f"{root}pdm_build.py"}
    if pyproject is not None and pyproject.complete:
        text = pyproject.data.decode("utf-8", "replace")
        found, dirs = install.backend_path(pyproject.name, text)
        hits = [(h, Where.INSTALL) for h in found]
        prefixes = tuple(_backend_prefix(root, d) for d in dirs)
        if "build.py" in text:  # poetry's [tool.poetry.build] script, or another tool's hook by that name
            hooks.add(f"{root}build.py")
    return _Layout(False, False, root, prefixes, frozenset(hooks)), hits


def _backend_prefix(root: str, directory: str) -> str:
    normal = posixpath.normpath(directory.replace("\\", "/")).lstrip("/")
    return root if normal in (".", "") else f"{root}{normal}/"


def _where(name: str, layout: _Layout) -> Where:
    if "!" in name:
        return Where.LIBRARY
    if layout.wheel:
        return Where.STARTUP if _STARTUP_MODULE.match(name) or jupyter_hooks.is_startup_config(name) else Where.LIBRARY
    if name == f"{layout.root}setup.py" or name in layout.build_hooks:
        return Where.INSTALL
    for prefix in layout.install_prefixes:
        # Only the backend's own directory level: a backend-path of "." must not make the whole package install-time.
        rest = name[len(prefix):] if name.startswith(prefix) else None
        if rest is not None and ("/" not in rest or prefix != layout.root):
            return Where.INSTALL
    return Where.LIBRARY


def _nested_test_data(issue: ArchiveIssue, layout: _Layout) -> bool:
    """Whether an issue is in, or about, an archive kept under tests/, docs/, examples/ (test data, never unpacked
    by pip): a link in it, or the archive itself that could not be opened."""
    outer, nested, _ = issue.name.partition("!")
    about_it = nested or issue.kind == "archive-nested-unreadable"
    return bool(about_it) and tests_or_docs_dir(_relative(outer, layout)) is not None


def _relative(name: str, layout: _Layout) -> str:
    return name[len(layout.root):] if layout.root and name.startswith(layout.root) else name


def _tests_or_docs(name: str, layout: _Layout) -> int | None:
    """For library code under tests/, docs/, examples/...: the depth of that directory below the archive's root."""
    return None if _where(name, layout) is not Where.LIBRARY else tests_or_docs_dir(_relative(name, layout))


def _module_parts(path: str) -> tuple[str, ...]:
    """A file's dotted module path ('pkg/docs/__init__.py' -> pkg, docs), with any leading directories."""
    parts = path.split("/")
    stem = parts[-1].rsplit(".", 1)[0]
    return tuple(parts[:-1]) if stem == "__init__" else (*parts[:-1], stem)


def _absolute_imports(path: str, imports: set[tuple[int, str]]) -> set[tuple[str, ...]]:
    """What a file imports, relative imports resolved against the file's own package (its directory)."""
    package = tuple(path.split("/")[:-1])
    found = set()
    for level, dotted in imports:
        if level - 1 > len(package):
            continue  # beyond the top of the archive: not one of its files
        base = package[: len(package) - level + 1] if level else ()
        found.add((*base, *dotted.split(".")))
    return found


def _import_names(entries: list[tuple[Member, int]], layout: _Layout) -> dict[tuple[str, ...], list[Member]]:
    """The dotted names whose import would run each of these files (each with the index of the module part a
    name must include: its tests/docs directory, or the file itself). Names are matched from the end (an sdist
    may keep its packages under src/), but must reach back that far: `import x` does not run pkg/docs/x.py,
    `import pkg.docs.x` does."""
    names: dict[tuple[str, ...], list[Member]] = {}
    for member, depth in entries:
        module = _module_parts(_relative(member.name, layout))
        for start in range(depth + 1):
            names.setdefault(module[start:], []).append(member)
    return names


def _pth_hits(member: Member) -> list[tuple[Hit, Where]]:
    hits: list[tuple[Hit, Where]] = []
    code_lines = install.pth_code(member.data.decode("utf-8-sig", "replace"))  # newer Pythons skip a BOM too
    for number, line in code_lines[:1]:
        hits.append((Hit("install-pth-executable", member.name, number, shorten(line.strip())), Where.STARTUP))
    for number, line in code_lines:
        source = load(member.name, ("\n" * (number - 1) + line).encode(), keep=worth_following)
        hits += [(hit, Where.STARTUP) for matcher in PYTHON_MATCHERS for hit in matcher(source)]
    return hits


def _metadata_member(by_name: dict[str, Member], layout: _Layout) -> Member | None:
    for name, member in by_name.items():
        if "!" in name or not member.complete:
            continue
        if layout.wheel and re.match(r"^[^/]+\.dist-info/METADATA$", name):
            return member
        if not layout.wheel and name in (f"{layout.root}PKG-INFO", "EGG-INFO/PKG-INFO"):
            return member
    return None
