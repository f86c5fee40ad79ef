"""Install exactly the inspected files: pinned, hash-checked, from the local store, no index, no shell."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from .artifacts import ArtifactError, file_sha256, kept_sha256
from .checks.archive import SKIPPED_DIRS
from .model import Artifact, InstallRequest
from .pip_runner import PipResult, run_pip


def verify_unchanged(artifacts: tuple[Artifact, ...]) -> None:
    """Each kept file is still the one checked (hashed again when its identity changed): a file swapped after the
    check must not be installed."""
    for artifact in artifacts:
        try:
            unchanged = kept_sha256(artifact.path) == artifact.sha256
        except OSError:  # deleted or unreadable since the check
            unchanged = False
        if not unchanged:
            raise ArtifactError(f"{artifact.path.name} changed after it was checked; nothing was installed")


@dataclass(frozen=True)
class InspectedTree:
    """A local source directory and the digest of its contents when it was inspected."""

    path: Path
    digest: str
    editable: bool = False  # asked for with -e: installed in development mode, as pip would


def tree_digest(root: Path) -> str:
    """A source tree has no single hash: one over the relative path and bytes of every file the
    inspection reads (symlinks by their target), in a stable order."""
    digest = hashlib.sha256()
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS)
        for name in sorted(files):
            full = Path(folder, name)
            digest.update(full.relative_to(root).as_posix().encode() + b"\0")
            if full.is_symlink():
                digest.update(b"link:" + os.readlink(full).encode())
            elif full.is_file():
                digest.update(file_sha256(full).encode())
    return digest.hexdigest()


def verify_trees_unchanged(trees: tuple[InspectedTree, ...]) -> None:
    """A source directory edited after its inspection must not be built and installed."""
    for tree in trees:
        if not tree.path.is_dir() or tree_digest(tree.path) != tree.digest:
            raise ArtifactError(f"{tree.path} changed after it was checked; nothing was installed")


def install_argv(request: InstallRequest, requirements_file: Path, has_sdist: bool, links: Path | None = None) -> list[str]:
    """pip arguments for a hash-checked, dependency-free install of pinned local files."""
    args = [
        "install", "--no-deps", "--no-index", "--require-hashes",
        "-r", str(requirements_file), *request.install_options,
    ]
    if links is not None:
        args += ["--find-links", str(links)]
    if request.upgrade:
        args.append("--upgrade")
    if has_sdist:
        # Building in an isolated environment would download build tools nobody checked.
        args.append("--no-build-isolation")
    return args


def install_artifacts(
    request: InstallRequest,
    artifacts: tuple[Artifact, ...],
    local_trees: tuple[InspectedTree, ...],
    python: str,
    on_output: Callable[[str], None] | None = None,
    by_name: frozenset[str] = frozenset(),
) -> PipResult | None:
    """Install the inspected files (and inspected local source trees); None when there is nothing to do.

    Files that came from an index (`by_name`) are installed as `name==version` from a directory holding only
    them, so the environment records an ordinary index install (`pip freeze` says `name==version`); paths and
    URLs the user typed stay direct references, as pip itself would record them."""
    verify_unchanged(artifacts)
    verify_trees_unchanged(local_trees)
    results: list[PipResult] = []
    with tempfile.TemporaryDirectory(prefix="safepip-install-") as tmp:
        if artifacts:
            links = Path(tmp) / "inspected"
            links.mkdir()
            pins = Path(tmp) / "inspected.txt"
            pins.write_text("".join(_pin(a, links, a.candidate.name in by_name) for a in artifacts))
            has_sdist = any(not a.candidate.is_wheel for a in artifacts)
            results.append(run_pip(python, install_argv(request, pins, has_sdist, links), on_output=on_output))
        if local_trees and all(r.returncode == 0 for r in results):
            # A directory has no single hash; it was inspected in place and is installed from there.
            trees = [arg for t in local_trees for arg in (("-e", str(t.path)) if t.editable else (str(t.path),))]
            args = ["install", "--no-deps", "--no-index", "--no-build-isolation", *trees, *request.install_options]
            results.append(run_pip(python, args, on_output=on_output))
    failed = [r for r in results if r.returncode != 0]
    return (failed or results or [None])[-1]


def _pin(artifact: Artifact, links: Path, by_name: bool) -> str:
    """One hash-pinned line: `name==version` found in `links`, or the kept file itself."""
    if by_name and artifact.candidate.version:
        link = links / artifact.path.name
        try:
            link.symlink_to(artifact.path)
        except OSError:  # no symlinks here (some Windows set-ups): a copy, which pip hash-checks all the same
            shutil.copyfile(artifact.path, link)
        return f"{artifact.candidate.name}=={artifact.candidate.version} --hash=sha256:{artifact.sha256}\n"
    return f"{artifact.path.as_uri()} --hash=sha256:{artifact.sha256}\n"
