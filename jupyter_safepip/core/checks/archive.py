"""The archive check: read a wheel, sdist, egg or source tree safely and run the behaviour rules on it."""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from packaging.utils import canonicalize_name

from .. import cycle_collection
from ..archive import HEAD_BYTES, MAX_MEMBER_BYTES, MAX_MEMBERS, ArchiveIssue, ArchiveUnreadable, Member, read_archive
from ..model import CheckError, Finding
from ..rules import binaries, flows, install, jupyter_hooks, metadata, network, obfuscation, persistence, secrets, shell
from ..rules.base import Hit
from ..rules.capabilities import worth_following
from ..rules.combine import to_findings
from ..analysis import reach
from ..analysis.reach import Where
from ..analysis.source import Source, exported, load, module_level_imports, parse, shorten
from ..analysis.values import Value

CHECK = "archive"
MAX_KEPT_TREE_SOURCE_BYTES = 2 * 1024 * 1024  # source whose trees wait to be read; past it, a file is parsed again
WANTED_SUFFIXES = (".py", ".pyw", ".pth", "PKG-INFO", "METADATA", "WHEEL", "pyproject.toml", "setup.cfg")
NATIVE_SUFFIXES = (".so", ".pyd", ".dll", ".dylib", ".a", ".lib")
SKIPPED_DIRS = frozenset({".git", ".hg", ".svn", "__pycache__", "node_modules", ".venv", ".tox", ".nox"})
PYTHON_MATCHERS = (obfuscation.match, network.match, shell.match, secrets.match, persistence.match, flows.match, install.runs_pip,
                   obfuscation.tangled_flow)  # last: it reports whether the others ran out of their budget


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
    # A wheel's top-level files land in site-packages beside its .pth files, which may read and run them.
    return name.endswith(WANTED_SUFFIXES) or jupyter_hooks.wanted(name) or (
        "/" not in reach.in_site_packages(name) and not name.endswith(NATIVE_SUFFIXES))


@cycle_collection.paused()  # the live trees of a big package made each collection walk them all again
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
    layout = reach.layout_of(by_name)
    hits: list[tuple[Hit, Where]] = []
    pyproject = by_name.get(f"{layout.root}pyproject.toml")
    if not layout.wheel and pyproject is not None and pyproject.complete:
        hits += [(h, Where.INSTALL) for h in install.backend_path(pyproject.name, pyproject.data.decode("utf-8", "replace"))]
    # An archive of test data (a tar of device files under tests/) is unpacked only by someone running the tests.
    hits += [(Hit(i.kind, i.name, None, i.detail), Where.TESTS if _nested_test_data(i, layout) else Where.LIBRARY)
             for i in issues]
    sources = _Sources(layout, by_name)
    placements = reach.place(layout, by_name, sources.load)
    for name, placement in placements.items():
        found = list(sources.hits[name])
        if reach.is_startup_file(name):
            found.append(Hit("install-startup-module", name, None, "run by Python, Jupyter or IPython itself at every start"))
        hits += [(replace(hit, at_import=hit.scope in placement.on_import), placement.of(hit.scope)) for hit in found]
    for member in members:
        if member.complete and member.name.endswith(".pth"):  # a nested wheel's too: installed if someone installs it
            code_lines = reach.pth_code(member.data.decode("utf-8-sig", "replace"))
            hits += [(Hit("install-pth-executable", member.name, number, shorten(line.strip())), Where.STARTUP)
                     for number, line in code_lines[:1]]
    hits += [(h, Where.LIBRARY if layout.tests_or_docs_depth(h.path.split("!")[0]) is None else Where.TESTS)
             for h in [*binaries.match(members, layout.pure_wheel), *binaries.bytecode_only(members)]]
    if layout.wheel:
        hits += [(h, Where.INSTALL if h.rule_id == "install-command-shadowing" else Where.JUPYTER)
                 for h in jupyter_hooks.match(members, package)]
    meta = _metadata_member(by_name, layout)
    if meta is not None:
        text = meta.data.decode("utf-8", "replace")
        hits += [(h, Where.LIBRARY) for h in metadata.match(meta.name, text, expected_name, expected_version)]
    findings = to_findings(hits, package)
    errors = tuple(CheckError(CHECK, f"partly inspected: {reason}", package) for reason in incomplete)
    return ArchiveScan(findings, errors, sources.scanned(placements), bytes_read)


class _Sources:
    """Each Python file (or code text a config runs) parsed, interpreted and matched once, then let go: what the
    rules found and the map placing needs are kept, its syntax tree and values are not. Files under tests/ and
    docs/ are read only when something reaches them. Files are read after the package's own modules they import
    (in that order, cycles cut), so that a name one module takes from another (decoder here, payload there) has
    its value; a file's tree, parsed to find what it imports, waits until the file is read (the files on the chain
    of imports being followed), within a budget: past it, a file is parsed again when read."""

    def __init__(self, layout: reach.Layout, by_name: dict[str, Member]) -> None:
        self.layout = layout
        self.by_name = by_name
        self.shared = _SharedNames(layout)
        self.maps: dict[str, reach.CodeMap] = {}
        self.hits: dict[str, list[Hit]] = {}
        self._waiting: dict[str, ast.Module] = {}
        self._waiting_bytes = 0
        code = [name for name, member in by_name.items() if _is_python(member) and layout.default(name) is not Where.TESTS]
        for name in self.shared.import_order(code, self._imports_of):
            tree = self._waiting.pop(name, None)
            self._waiting_bytes -= len(by_name[name].data) if tree is not None else 0
            self._read(name, by_name[name].data, tree)

    def _imports_of(self, name: str) -> list[tuple[int, str]]:
        """A file's module-level imports, from its tree, which then waits for the file to be read (budget allowing)."""
        data = self.by_name[name].data
        tree = parse(data)
        if tree is None:
            return []
        if self._waiting_bytes + len(data) <= MAX_KEPT_TREE_SOURCE_BYTES:
            self._waiting[name] = tree
            self._waiting_bytes += len(data)
        return list(module_level_imports(tree))

    def load(self, name: str, code: bytes | None) -> reach.CodeMap | None:
        if name not in self.maps:
            member = self.by_name.get(name)
            if code is None and (member is None or not (_is_python(member) or _small_text(member))):
                return None
            self._read(name, code if code is not None else member.data, None, is_member=code is None)
        return self.maps[name]

    def _read(self, name: str, data: bytes, tree: ast.Module | None, is_member: bool = True) -> None:
        member = self.by_name.get(name) if is_member else None
        imported = self.shared.resolver(member) if member is not None else (lambda level, module, attr: None)
        source = load(name.split("#")[0], data, keep=worth_following, imported=imported, tree=tree)
        if member is not None and _is_python(member):
            self.shared.add(member, source)
        found = [hit for matcher in PYTHON_MATCHERS for hit in matcher(source)]
        if name == f"{self.layout.root}setup.py" and not self.layout.wheel:
            found += install.setup_script(source)
        self.hits[name] = found
        self.maps[name] = reach.code_map(source, config=bool(reach.STARTUP_CONFIG.match(name)))

    def scanned(self, placements: dict[str, reach.Placement]) -> int:
        """Files read as code (a .pth file once, however many of its lines run)."""
        pth = {n for n, m in self.by_name.items() if n.endswith(".pth") and m.complete and "!" not in n}
        return len({name.split("#")[0] for name in placements} | pth)


def _is_python(member: Member) -> bool:
    return member.complete and member.name.endswith((".py", ".pyw"))


def _small_text(member: Member) -> bool:
    """A file that is not Python but may be read and executed as such (a .pth line's exec(open(...).read()))."""
    return member.complete and "!" not in member.name and b"\0" not in member.data[:4096]


class _SharedNames:
    """Module-level values of the package's own modules, by dotted module path, for the modules importing them."""

    def __init__(self, layout: reach.Layout) -> None:
        self.layout = layout
        self.by_module: dict[tuple[str, ...], dict[str, Value]] = {}

    def add(self, member: Member, source: Source) -> None:
        values = exported(source)
        if values and "!" not in member.name:
            module = self.layout.module_of(member.name)
            for start in range(len(module)):  # matched from the end: an sdist may keep its packages under src/
                self.by_module.setdefault(module[start:], {}).update(values)

    def resolver(self, member: Member):
        package = tuple(self.layout.relative(member.name).split("/")[:-1])

        def value_of(level: int, module: str, name: str) -> Value | None:
            target = self._target(package, level, module)
            return None if target is None else self.by_module.get(target, {}).get(name)

        return value_of

    def import_order(self, files: list[str], imports_of: Callable[[str], list[tuple[int, str]]]) -> Iterator[str]:
        """The files in an order where each comes after the package's modules its module level imports
        (`imports_of`: a file's module-level imports, as (relative level, dotted name), asked once per file, as
        it is reached)."""
        by_module: dict[tuple[str, ...], list[str]] = {}
        for name in files:
            if "!" not in name:
                module = self.layout.module_of(name)
                for start in range(len(module)):
                    by_module.setdefault(module[start:], []).append(name)
        state: dict[str, bool] = {}  # False: being visited (a cycle is cut there), True: placed
        for first in files:
            stack = [(first, False)]
            while stack:
                name, expanded = stack.pop()
                if expanded:
                    state[name] = True
                    yield name
                    continue
                if name in state:
                    continue
                state[name] = False
                stack.append((name, True))
                imports = imports_of(name)
                if "!" in name:
                    continue
                package = tuple(self.layout.relative(name).split("/")[:-1])
                for level, dotted in imports:
                    target = self._target(package, level, dotted)
                    stack += [(t, False) for t in by_module.get(target, ()) if t not in state] if target else []

    @staticmethod
    def _target(package: tuple[str, ...], level: int, module: str) -> tuple[str, ...] | None:
        """The dotted path an import names from a file of `package` (None: beyond the top of the archive)."""
        if level - 1 > len(package):
            return None
        base = package[: len(package) - level + 1] if level else ()
        return (*base, *module.split(".")) if module else base


def _nested_test_data(issue: ArchiveIssue, layout: reach.Layout) -> bool:
    """Whether an issue is in, or about, an archive kept under tests/, docs/, examples/ (test data, never unpacked
    by pip): a link in it, or the archive itself that could not be opened."""
    outer, nested, _ = issue.name.partition("!")
    about_it = nested or issue.kind == "archive-nested-unreadable"
    return bool(about_it) and layout.tests_or_docs_depth(outer) is not None


def _metadata_member(by_name: dict[str, Member], layout: reach.Layout) -> Member | None:
    for name, member in by_name.items():
        if "!" in name or not member.complete:
            continue
        if layout.wheel and re.match(r"^[^/]+\.dist-info/METADATA$", name):
            return member
        if not layout.wheel and name in (f"{layout.root}PKG-INFO", "EGG-INFO/PKG-INFO"):
            return member
    return None
