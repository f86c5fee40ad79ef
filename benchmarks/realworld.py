"""Real-world benchmark: the current release of the N most downloaded projects, as pip would install it here.

For each project of `../shared/corpus/popular.csv` (by rank) the newest release pip may install on this machine
(its configured indexes, find-links and constraints, this Python, this platform) and its file: the best-ranked
compatible wheel by `packaging.tags` order, else the sdist. Files are chosen from the index pages, never built,
and kept under benchmarks/.cache/realworld/, so a second run downloads nothing. Each file is scanned by the
engine in a worker process and weighed as a `safepip check` weighs archive findings (library code of an
established project is reported, not weighed); the target is no block and at most 1% warnings.

    python benchmarks/realworld.py [--limit 500] [--offline] [--jobs 1] [--engine REF] [--baseline REF]
                                   [--compare guarddog] [--refresh] [--out benchmarks/results/realworld.json]

`--engine REF` scans with the engine of a git ref (a worktree under the cache) instead of this checkout, so a
run can measure a commit while the working tree is being edited; `--baseline REF` runs a second engine on the
same files in the same run, for speed; `--compare guarddog` runs GuardDog too (its own venv, as detection.py).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import inspect
import json
import os
import platform
import resource
import selectors
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path


def _engine_root() -> Path:
    """The checkout whose jupyter_safepip this process imports: a worker is told which; else this one."""
    if len(sys.argv) == 3 and sys.argv[1] == "--worker":
        return Path(sys.argv[2]).resolve()
    return Path(__file__).resolve().parents[1]


sys.path.insert(0, str(_engine_root()))

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = REPO.parent / "shared" / "corpus"
CACHE = HERE / ".cache" / "realworld"
SCAN_TIMEOUT = 1800  # seconds for one package before its worker is stopped (a runaway guard, not a measure)
DETAIL_AT = "medium"  # findings listed one by one when they weigh (or weighed before tempering) at least this


# --- the worker: one engine, one process, JSON lines in and out ---------------------------------------------


def worker_main(root: Path) -> None:
    """Scan each requested file with the engine under `root` and weigh it as the pipeline weighs archive findings."""
    from jupyter_safepip.core.checks import archive
    from jupyter_safepip.core.model import Severity
    from jupyter_safepip.core.policy import Policy, decide_package

    import jupyter_safepip

    if not Path(jupyter_safepip.__file__).resolve().is_relative_to(root):
        raise SystemExit(f"worker for {root} imported {jupyter_safepip.__file__}")
    out = os.fdopen(os.dup(1), "w", buffering=1)
    sys.stdout = sys.stderr  # whatever the engine prints must not reach the protocol
    policy = Policy()
    accepted = inspect.signature(archive.scan_archive).parameters
    detail_at = Severity[DETAIL_AT.upper()]
    for line in sys.stdin:
        job = json.loads(line)
        kwargs = {k: v for k, v in (("package", job["name"]), ("expected_name", job["name"]),
                                    ("expected_version", job["version"])) if k in accepted}
        start = time.perf_counter()
        scan = archive.scan_archive(Path(job["path"]), **kwargs)
        seconds = time.perf_counter() - start
        weighed = _weigh_archive(scan.findings, job["established"], policy)
        decision = decide_package(policy, None, job["name"], weighed, scan.errors)
        listed, counted = [], Counter()
        for raw, final in zip(scan.findings, weighed):
            if max(raw.severity, final.severity) >= detail_at:
                first = raw.evidence[0] if raw.evidence else None
                listed.append({
                    "rule": final.rule_id, "severity": final.severity.label, "raw_severity": raw.severity.label,
                    "runs": getattr(final, "runs", None),
                    "where": (f"{first.location}:{first.line}" if first.line else first.location) if first else "",
                    "snippet": " ".join((first.snippet if first else "").split())[:200],
                    "evidence": len(raw.evidence), "message": final.message[:400],
                })
            else:
                counted[f"{final.rule_id}:{final.severity.label}"] += 1
        out.write(json.dumps({
            "seconds": seconds, "verdict": decision.verdict.label, "reasons": list(decision.reasons),
            "findings": listed, "counted": dict(counted), "errors": [e.reason for e in scan.errors],
            "files": scan.files_scanned, "bytes": scan.bytes_scanned,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        }) + "\n")


def _weigh_archive(findings, established: str | None, policy):
    """The archive findings as Pipeline._inspect weighs them (who ships it, then the policy's rule severities);
    engines older than that weighing get their findings as they are."""
    from jupyter_safepip.core import policy as policy_mod
    from jupyter_safepip.core.checks import corroborate

    temper = getattr(corroborate, "temper_library", None)
    weighed = tuple(temper(findings, established)) if temper else tuple(findings)
    reweigh = getattr(policy_mod, "reweigh", None)
    return reweigh(policy, weighed) if reweigh else weighed


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--worker":
    worker_main(_engine_root())
    raise SystemExit(0)


from packaging.requirements import InvalidRequirement, Requirement  # noqa: E402
from packaging.specifiers import InvalidSpecifier, SpecifierSet  # noqa: E402
from packaging.tags import sys_tags  # noqa: E402
from packaging.utils import (  # noqa: E402
    InvalidSdistFilename,
    InvalidWheelFilename,
    canonicalize_name,
    parse_sdist_filename,
    parse_wheel_filename,
)
from packaging.version import InvalidVersion, Version  # noqa: E402

from jupyter_safepip.core.artifacts import ArtifactError, ArtifactStore, local_path  # noqa: E402
from jupyter_safepip.core.checks import names  # noqa: E402
from jupyter_safepip.core.checks.corroborate import corroborate, temper_names  # noqa: E402
from jupyter_safepip.core.checks.metadata import check_metadata, established  # noqa: E402
from jupyter_safepip.core.http import make_session, plain_session  # noqa: E402
from jupyter_safepip.core.index import IndexClient, IndexFile, IndexUnavailable  # noqa: E402
from jupyter_safepip.core.model import Candidate, ProjectInfo, Release, Verdict, Vulnerability  # noqa: E402
from jupyter_safepip.core.policy import Policy, decide_package  # noqa: E402
from jupyter_safepip.core.request import parse_install_args  # noqa: E402


@dataclass(frozen=True)
class Choice:
    """The file pip would install for a project here, and where it is kept."""

    name: str
    rank: int
    version: str
    filename: str
    url: str
    sha256: str
    size: int
    path: str
    is_wheel: bool


@dataclass(frozen=True)
class Skipped:
    """A project that could not be benchmarked, and why (shown, never dropped silently)."""

    name: str
    rank: int
    reason: str


@dataclass(frozen=True)
class Scanned:
    """One engine's scan of one file, as its worker reported it (or why there is none)."""

    seconds: float | None
    verdict: str
    findings: tuple[dict, ...] = ()
    counted: tuple[tuple[str, int], ...] = ()
    errors: tuple[str, ...] = ()
    files: int = 0
    bytes: int = 0
    max_rss_mb: float = 0.0

    @classmethod
    def of(cls, reply: dict) -> "Scanned":
        return cls(reply["seconds"], reply["verdict"], tuple(reply["findings"]), tuple(sorted(reply["counted"].items())),
                   tuple(reply["errors"]), reply["files"], reply["bytes"], reply["max_rss_mb"])


@dataclass(frozen=True)
class Outcome:
    """Everything measured about one project."""

    choice: Choice
    established: str | None
    ours: Scanned
    other_findings: tuple[dict, ...]  # name and metadata findings at or above the warn threshold
    other_verdict: str
    baseline: Scanned | None = None
    guarddog_flagged: bool | None = None
    guarddog_seconds: float | None = None


# --- which projects, which files ----------------------------------------------------------------------------


def popular(limit: int) -> list[tuple[str, int]]:
    with (CORPUS / "popular.csv").open() as handle:
        rows = sorted(((canonicalize_name(r["name"]), int(r["rank"])) for r in csv.DictReader(handle)), key=lambda r: r[1])
    return rows[:limit]


def constraints_of(paths: tuple[str, ...]) -> dict[str, SpecifierSet]:
    """pip's configured constraint files, name -> specifier (option and comment lines skipped)."""
    found: dict[str, SpecifierSet] = {}
    for path in paths:
        target = local_path(path)
        if target is None or not target.is_file():
            continue
        for line in target.read_text().splitlines():
            line = line.split(" #", 1)[0].strip()
            if not line or line.startswith(("#", "-")):
                continue
            try:
                req = Requirement(line)
            except InvalidRequirement:
                continue
            if req.marker is None or req.marker.evaluate():
                name = canonicalize_name(req.name)
                found[name] = found.get(name, SpecifierSet()) & req.specifier
    return found


def choose(name: str, files: tuple[IndexFile, ...], constraint: SpecifierSet, python: str,
           tags: dict) -> IndexFile | None:
    """pip's choice among a project's files: compatible with this interpreter (tags, Requires-Python), within the
    constraints (pre-releases only when nothing else fits), not yanked unless all are; then the highest version,
    then the best-ranked wheel tag, the sdist last. Files on local paths win ties, as pip reads them first."""
    best_key, best = None, None
    candidates = []
    for file in files:
        parsed = _parse_file(name, file.filename, tags)
        if parsed is None or not _python_fits(file.requires_python, python):
            continue
        candidates.append((file, *parsed))
    allowed = set(constraint.filter({str(version) for _, version, _, _ in candidates}))
    for file, version, priority, build in candidates:
        if str(version) not in allowed:
            continue
        key = (not file.yanked, version, priority, build, file.url.startswith("file:"))
        if best_key is None or key > best_key:
            best_key, best = key, file
    return best


def _parse_file(name: str, filename: str, tags: dict) -> tuple[Version, int, tuple] | None:
    """(version, tag priority, build tag) of a file of this project pip could install here, else None."""
    try:
        if filename.endswith(".whl"):
            project, version, build, file_tags = parse_wheel_filename(filename)
            ranks = [tags[t] for t in file_tags if t in tags]
            if not ranks:
                return None
            priority = -min(ranks)
        elif filename.endswith((".tar.gz", ".zip")):
            project, version = parse_sdist_filename(filename)
            build, priority = (), -len(tags)
        else:
            return None  # eggs, installers: pip ignores them
    except (InvalidWheelFilename, InvalidSdistFilename, InvalidVersion):
        return None
    if canonicalize_name(project) != name:
        return None
    return version, priority, build


def _python_fits(requires_python: str | None, python: str) -> bool:
    if not requires_python:
        return True
    try:
        return SpecifierSet(requires_python).contains(python, prereleases=True)
    except InvalidSpecifier:
        return True  # pip ignores a Requires-Python it cannot read


class Fetcher:
    """Choices and files, kept under the cache: index pages and downloads only for what is not kept yet."""

    def __init__(self, cache: Path, offline: bool, refresh: bool) -> None:
        request = parse_install_args(["placeholder"])  # pip's own configuration: indexes, find-links, constraints
        self.cache, self.offline, self.refresh = cache, offline, refresh
        self.index = IndexClient(request.index_url or "", request.extra_index_urls, request.find_links,
                                 session=make_session(cache / "http", offline=offline, timeout=60, network=request.network))
        self.store = ArtifactStore(cache / "files", plain_session(network=request.network), 600, offline)
        self.constraints = constraints_of(request.constraints)
        self.python = platform.python_version()
        self.tags = {tag: rank for rank, tag in enumerate(sys_tags())}
        self.lock = threading.Lock()

    def get(self, name: str, rank: int) -> tuple[Choice, ProjectInfo | None] | Skipped:
        kept = self._kept(name)
        if kept is not None and not self.refresh:
            if "skipped" in kept:
                return Skipped(name, rank, kept["skipped"])
            if Path(kept["choice"]["path"]).is_file():
                return Choice(**kept["choice"]), _info_from_json(kept["info"])
        if self.offline:
            return Skipped(name, rank, "offline, and not in the cache")
        try:
            files = self.index.files(name)
            chosen = choose(name, files, self.constraints.get(name, SpecifierSet()), self.python, self.tags)
            if chosen is None:  # kept: asked again only with --refresh
                reason = "no file pip could install here" if files else "not on the configured indexes"
                self._keep(name, {"skipped": reason})
                return Skipped(name, rank, reason)
            info = self.index.project(name, chosen.version)
        except IndexUnavailable as exc:
            return Skipped(name, rank, f"index: {exc}")
        candidate = Candidate(name, chosen.version or "", chosen.url, chosen.filename, chosen.sha256, True,
                              chosen.filename.endswith(".whl"))
        try:
            artifact = self.store.fetch(candidate)
        except ArtifactError as exc:
            return Skipped(name, rank, f"download: {exc}")
        choice = Choice(name, rank, candidate.version, candidate.filename, candidate.url, artifact.sha256, artifact.size,
                        str(artifact.path), candidate.is_wheel)
        self._keep(name, {"choice": dataclasses.asdict(choice), "info": dataclasses.asdict(info) if info else None,
                          "chosen_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
        return choice, info

    def _kept(self, name: str) -> dict | None:
        path = self.cache / "projects" / f"{name}.json"
        return json.loads(path.read_text()) if path.is_file() else None

    def _keep(self, name: str, entry: dict) -> None:
        path = self.cache / "projects" / f"{name}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.with_suffix(".tmp").write_text(json.dumps(entry))
        path.with_suffix(".tmp").replace(path)


def _info_from_json(data: dict | None) -> ProjectInfo | None:
    if data is None:
        return None
    return ProjectInfo(**{
        **data,
        "releases": tuple(Release(**r) for r in data["releases"]),
        "vulnerabilities": tuple(Vulnerability(**{**v, "fixed_in": tuple(v["fixed_in"])}) for v in data["vulnerabilities"]),
        "project_urls": tuple(tuple(p) for p in data["project_urls"]),
        "maintainers": tuple(data["maintainers"]),
        "index_files": tuple(tuple(f) for f in data["index_files"]),
    })


def other_checks(choice: Choice, info: ProjectInfo | None, now: datetime, policy: Policy) -> tuple[tuple[dict, ...], str]:
    """The name and metadata findings a `safepip check` adds for this project (as Pipeline._inspect builds them)."""
    settled = established(info, now=now) if info else None
    name_findings = temper_names(names.check_name(choice.name), settled)
    metadata = check_metadata(info, choice.version, now=now, chosen=_candidate(choice)) if info else ()
    findings = (*name_findings, *corroborate(name_findings + metadata), *metadata)
    verdict = decide_package(policy, None, choice.name, findings, ()).verdict
    shown = tuple({"rule": f.rule_id, "severity": f.severity.label, "where": str(f.evidence[0]) if f.evidence else ""}
                  for f in findings if f.severity >= policy.warn_at)
    return shown, verdict.label


def _candidate(choice: Choice) -> Candidate:
    return Candidate(choice.name, choice.version, choice.url, choice.filename, choice.sha256, True, choice.is_wheel)


# --- engines and comparison tools ---------------------------------------------------------------------------


def worktree(ref: str) -> tuple[Path, str]:
    """A detached worktree of `ref` under the cache (made once), and the commit it is."""
    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", f"{ref}^{{commit}}"],
                            capture_output=True, text=True, check=True).stdout.strip()
    path = CACHE / "worktrees" / commit[:12]
    if not (path / "jupyter_safepip").is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach", str(path), commit],
                       check=True, capture_output=True)
    return path, commit


def describe_checkout(root: Path) -> str:
    """The commit of a checkout, marked when its engine has changes nobody committed."""
    commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(root), "status", "--porcelain", "--", "jupyter_safepip"],
                           capture_output=True, text=True).stdout.strip()
    return f"{commit[:12]}{' + uncommitted engine changes' if dirty else ''}"


class Worker:
    """A scanning process for one engine; stopped and started again when a package runs past the timeout."""

    def __init__(self, root: Path, timeout: float = SCAN_TIMEOUT) -> None:
        self.root, self.timeout = root, timeout
        self.process: subprocess.Popen | None = None

    def scan(self, choice: Choice, settled: str | None) -> Scanned:
        if self.process is None or self.process.poll() is not None:
            self.process = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--worker", str(self.root)],
                                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
        job = {"path": choice.path, "name": choice.name, "version": choice.version, "established": settled}
        self.process.stdin.write(json.dumps(job) + "\n")
        self.process.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            ready = selector.select(self.timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            why = f"no result within {self.timeout:.0f} s" if not ready else f"the worker died (exit {self.process.wait()})"
            self.stop()
            return Scanned(None, "warn", errors=(why,))  # a check that could not run: the default fail mode warns
        return Scanned.of(json.loads(line))

    def stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
            self.process.wait()
            self.process = None


def scan_all(jobs: list[tuple[Choice, ProjectInfo | None]], engine: Path, baseline: Path | None, guarddog: Path | None,
             workers: int, now: datetime, policy: Policy) -> list[Outcome]:
    """Each file through our engine, then the baseline's and GuardDog, one after the other: same load for each."""
    from detection import Sample, run_guarddog

    local = threading.local()
    made: list[Worker] = []
    done = Counter()

    def one(job: tuple[Choice, ProjectInfo | None]) -> Outcome:
        choice, info = job
        if not hasattr(local, "ours"):
            local.ours, local.baseline = Worker(engine), Worker(baseline) if baseline else None
            made.extend(w for w in (local.ours, local.baseline) if w)
        settled = established(info, now=now) if info else None
        ours = local.ours.scan(choice, settled)
        theirs = local.baseline.scan(choice, settled) if local.baseline else None
        flagged = gd_seconds = None
        if guarddog is not None:
            flagged, gd_seconds = run_guarddog(guarddog, Sample(choice.name, choice.version, Path(choice.path), False))
        shown, other = other_checks(choice, info, now, policy)
        done["n"] += 1
        mark = "" if ours.verdict == "allow" else f"  {ours.verdict.upper()} " + "; ".join(
            [f"{f['rule']} {f['severity']} ({f['runs']}) {f['where']}" for f in ours.findings
             if _severity(f["severity"]) >= policy.warn_at][:3] + list(ours.errors[:1]))
        print(f"[{done['n']}/{len(jobs)}] {choice.filename} {_fmt(ours.seconds)}"
              + (f" / baseline {_fmt(theirs.seconds)}" if theirs else "")
              + (f" / guarddog {_fmt(gd_seconds)}" if gd_seconds is not None else "") + mark, file=sys.stderr, flush=True)
        return Outcome(choice, settled, ours, shown, other, theirs, flagged, gd_seconds)

    try:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(one, jobs))
    finally:
        for worker in made:
            worker.stop()


def _fmt(seconds: float | None) -> str:
    return "n/a" if seconds is None else f"{seconds:.2f} s"


# --- reporting ----------------------------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def _timing(values: list[float | None]) -> dict[str, float | None]:
    measured = [v for v in values if v is not None]
    return {"median": statistics.median(measured) if measured else None, "p95": _percentile(measured, 0.95),
            "max": max(measured, default=None), "total": sum(measured), "measured": len(measured)}


def summarise(outcomes: list[Outcome], skipped: list[Skipped]) -> dict:
    n = len(outcomes)
    count = Counter(o.ours.verdict for o in outcomes)
    summary = {
        "files_scanned": n,
        "wheels": sum(o.choice.is_wheel for o in outcomes),
        "sdists": sum(not o.choice.is_wheel for o in outcomes),
        "skipped": len(skipped),
        "download_bytes": sum(o.choice.size for o in outcomes),
        "largest_files": [f"{o.choice.filename} ({o.choice.size / 1e6:,.1f} MB)"
                          for o in sorted(outcomes, key=lambda o: -o.choice.size)[:5]],
        "established": sum(o.established is not None for o in outcomes),
        "blocks": count["block"],
        "warnings": count["warn"],
        "warn_rate": count["warn"] / n if n else None,
        "block_rate": count["block"] / n if n else None,
        "with_name_and_metadata_checks": dict(Counter(max(o.ours.verdict, o.other_verdict, key=_rank) for o in outcomes)),
        "seconds": _timing([o.ours.seconds for o in outcomes]),
        "uncompressed_mb_scanned": sum(o.ours.bytes for o in outcomes) / 1e6,
        "max_worker_rss_mb": max((o.ours.max_rss_mb for o in outcomes), default=0.0),
    }
    if any(o.baseline for o in outcomes):
        base = [o.baseline for o in outcomes if o.baseline]
        summary["baseline"] = {
            "seconds": _timing([b.seconds for b in base]),
            "blocks": sum(b.verdict == "block" for b in base), "warnings": sum(b.verdict == "warn" for b in base),
            "max_worker_rss_mb": max((b.max_rss_mb for b in base), default=0.0),
        }
    if any(o.guarddog_seconds is not None for o in outcomes):
        compared = [o for o in outcomes if o.guarddog_seconds is not None]
        summary["guarddog"] = {
            "seconds": _timing([o.guarddog_seconds for o in compared]),
            "flagged": sum(bool(o.guarddog_flagged) for o in compared),
            "failed": sum(o.guarddog_flagged is None for o in compared),
            "compared": len(compared),
        }
    return summary


def _rank(verdict: str) -> int:
    return Verdict[verdict.upper()].value


def flagged(outcomes: list[Outcome]) -> list[dict]:
    """Every blocked or warned package with its weighing findings, worst first."""
    rows = []
    for o in sorted(outcomes, key=lambda o: (-_rank(o.ours.verdict), o.choice.rank)):
        if o.ours.verdict == "allow":
            continue
        weighing = [f for f in o.ours.findings if Policy().warn_at <= _severity(f["severity"])]
        rows.append({"package": f"{o.choice.name}=={o.choice.version}", "file": o.choice.filename, "rank": o.choice.rank,
                     "verdict": o.ours.verdict, "established": o.established, "findings": weighing,
                     "errors": list(o.ours.errors)})
    return rows


def by_cause(rows: list[dict]) -> list[dict]:
    """The flagged packages grouped by what weighs: rule id and where its code runs."""
    groups: dict[tuple[str, str], list[str]] = {}
    for r in rows:
        causes = {(f["rule"], f["runs"] or "-") for f in r["findings"]} or {("could not check", "-")}
        for cause in sorted(causes):
            groups.setdefault(cause, []).append(r["package"])
    return [{"rule": rule, "runs": runs, "packages": packages}
            for (rule, runs), packages in sorted(groups.items(), key=lambda g: -len(g[1]))]


def tempered(outcomes: list[Outcome]) -> list[dict]:
    """Findings that would warn or block but for the project being established: what the weighing hides."""
    rows = []
    for o in outcomes:
        hidden = [f for f in o.ours.findings
                  if _severity(f["raw_severity"]) >= Policy().warn_at and _severity(f["severity"]) < Policy().warn_at]
        if hidden:
            rows.append({"package": f"{o.choice.name}=={o.choice.version}", "verdict": o.ours.verdict, "findings": hidden})
    return rows


def _severity(label: str):
    from jupyter_safepip.core.model import Severity

    return Severity[label.upper()]


def markdown(summary: dict, rows: list[dict]) -> str:
    def ms(value: float | None) -> str:
        return "n/a" if value is None else f"{value * 1000:,.0f} ms"

    n = summary["files_scanned"]
    base, gd = summary.get("baseline"), summary.get("guarddog")
    header = "| measure | target | jupyter_safepip |" + (" baseline engine |" if base else "") + (" GuardDog |" if gd else "")
    lines = [header, "|---|---|---|" + ("---|" if base else "") + ("---|" if gd else "")]

    def row(label: str, target: str, ours: str, theirs: str = "", guard: str = "") -> None:
        lines.append(f"| {label} | {target} | {ours} |" + (f" {theirs} |" if base else "") + (f" {guard} |" if gd else ""))

    row("files scanned (wheels / sdists)", "", f"{n} ({summary['wheels']} / {summary['sdists']})",
        str(base["seconds"]["measured"]) if base else "", str(gd["compared"]) if gd else "")
    row("blocked", "0", f"**{summary['blocks']}**", str(base["blocks"]) if base else "",
        f"{gd['flagged']} flagged" if gd else "")
    row("warned", "<= 1%", f"**{summary['warnings']} ({100 * (summary['warn_rate'] or 0):.1f}%)**",
        str(base["warnings"]) if base else "")
    for key, label in (("median", "seconds per package, median"), ("p95", "seconds per package, p95"),
                       ("max", "slowest package"), ("total", "all packages")):
        row(label, "", ms(summary["seconds"][key]), ms(base["seconds"][key]) if base else "",
            ms(gd["seconds"][key]) if gd else "")
    lines.append("")
    lines.append(f"Downloaded {summary['download_bytes'] / 1e9:.2f} GB; largest: {', '.join(summary['largest_files'])}. "
                 f"{summary['skipped']} project(s) skipped.")
    lines.append("")
    for group in by_cause(rows):
        lines.append(f"- `{group['rule']}` (runs: {group['runs']}): {', '.join(group['packages'])}")
    lines.append("")
    for r in rows:
        lines.append(f"- **{r['verdict']}** `{r['package']}` ({r['file']}"
                     + (f"; established: {r['established']}" if r["established"] else "; not established") + ")")
        for f in r["findings"]:
            lines.append(f"  - `{f['rule']}` {f['severity']} (runs: {f['runs']}) at `{f['where']}`: {f['snippet'][:120]}")
        for e in r["errors"]:
            lines.append(f"  - could not check: {e}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=500, help="the N most downloaded projects (default 500)")
    parser.add_argument("--offline", action="store_true", help="only what is in the cache; no index, no downloads")
    parser.add_argument("--refresh", action="store_true", help="ask the index again for each project's current release")
    parser.add_argument("--jobs", type=int, default=1, help="scanning worker processes (default 1)")
    parser.add_argument("--engine", metavar="GIT_REF", help="scan with this commit's engine (a worktree), not this checkout's")
    parser.add_argument("--baseline", metavar="GIT_REF", help="also scan with this commit's engine, for speed")
    parser.add_argument("--compare", choices=["guarddog"], help="also run GuardDog on the same files")
    parser.add_argument("--fetch-only", action="store_true", help="only choose and download the files")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "realworld.json")
    args = parser.parse_args()

    started = time.perf_counter()
    now = datetime.now(timezone.utc)
    fetcher = Fetcher(CACHE, args.offline, args.refresh)
    projects = popular(args.limit)
    jobs: list[tuple[Choice, ProjectInfo | None]] = []
    skipped: list[Skipped] = []
    with ThreadPoolExecutor(max_workers=1 if args.offline else 4) as pool:  # downloads wait on the network
        for number, got in enumerate(pool.map(lambda p: fetcher.get(*p), projects), start=1):
            if isinstance(got, Skipped):
                skipped.append(got)
                print(f"[{number}/{len(projects)}] {got.name}: skipped ({got.reason})", file=sys.stderr)
            else:
                jobs.append(got)
    fetched = time.perf_counter() - started
    print(f"chose and fetched {len(jobs)} files in {fetched:.0f} s", file=sys.stderr)
    if args.fetch_only:
        return

    engine, engine_name = REPO, describe_checkout(REPO)
    if args.engine:
        engine, commit = worktree(args.engine)
        engine_name = commit[:12]
    baseline, baseline_name = (worktree(args.baseline) if args.baseline else (None, None))
    guarddog = None
    if args.compare:
        from detection import ensure_guarddog

        guarddog = ensure_guarddog()
    policy = Policy()
    outcomes = scan_all(jobs, engine, baseline, guarddog, max(1, args.jobs), now, policy)
    summary = summarise(outcomes, skipped)
    summary.update({
        "date": now.date().isoformat(), "engine": engine_name, "baseline_engine": baseline_name and baseline_name[:12],
        "python": fetcher.python, "platform_tag": str(next(iter(fetcher.tags))), "limit": args.limit,
        "jobs": args.jobs, "seconds_choosing_and_fetching": round(fetched, 1),
        "seconds_whole_run": round(time.perf_counter() - started, 1),
    })
    rows = flagged(outcomes)
    print(markdown(summary, rows))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({
        "summary": summary,
        "flagged": rows,
        "flagged_by_cause": by_cause(rows),
        "reported_not_weighed": tempered(outcomes),
        "skipped": [dataclasses.asdict(s) for s in skipped],
        "packages": [{
            "package": f"{o.choice.name}=={o.choice.version}", "rank": o.choice.rank, "file": o.choice.filename,
            "bytes_downloaded": o.choice.size, "verdict": o.ours.verdict, "seconds": o.ours.seconds and round(o.ours.seconds, 4),
            "files": o.ours.files, "bytes_scanned": o.ours.bytes, "established": o.established is not None,
            "findings": list(o.ours.findings), "counted": dict(o.ours.counted), "errors": list(o.ours.errors),
            "name_and_metadata": {"verdict": o.other_verdict, "findings": list(o.other_findings)},
            **({"baseline": {"verdict": o.baseline.verdict, "seconds": o.baseline.seconds and round(o.baseline.seconds, 4),
                             "rules": [f"{f['rule']}:{f['severity']}" for f in o.baseline.findings
                                       if _severity(f["severity"]) >= policy.warn_at],
                             "errors": list(o.baseline.errors)}} if o.baseline else {}),
            **({"guarddog": {"flagged": o.guarddog_flagged, "seconds": round(o.guarddog_seconds, 3)}}
               if o.guarddog_seconds is not None else {}),
        } for o in outcomes],
    }, indent=1))


if __name__ == "__main__":
    main()
