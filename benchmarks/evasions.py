"""Evasion benchmark: how much of the evasion catalogue (jupyter_safepip/testing/evasions.py) the behaviour
analysis catches, by cause and by placement, and how many benign twins it flags. With --against REF the engine
of another commit runs on the same archives in the same run (from a temporary git worktree), so an old engine
and a new one are judged on one catalogue and one policy.

    python benchmarks/evasions.py [--against REF] [--json OUT] [--quiet]

Each engine scans in a subprocess of its own (its checkout first on sys.path); verdicts come from the findings
under this checkout's default policy. Nothing is installed or run: the archives are only read.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from jupyter_safepip.core.model import CheckError, Finding, Severity, Verdict  # noqa: E402
from jupyter_safepip.testing.evasions import CASES, NAME, Case, Cause, Outcome, Placement, build, judge  # noqa: E402

# Runs inside the engine's own checkout: scans each archive, prints findings as JSON. Kept to the API every
# engine since the archive reader has had (scan_archive, Finding.rule_id/severity/message).
WORKER = r"""
import json, sys, time
from pathlib import Path
import jupyter_safepip
from jupyter_safepip.core.checks.archive import scan_archive
paths = json.load(sys.stdin)
scans = {}
for case_id, path in paths.items():
    start = time.perf_counter()
    try:
        scan = scan_archive(Path(path))
        findings = [[f.rule_id, int(f.severity), f.message, getattr(f, "runs", None)] for f in scan.findings]
        errors = [e.reason for e in scan.errors]
    except Exception as exc:  # a crash is a check that could not run, as the pipeline reports it
        findings, errors = [], [f"scan crashed: {exc!r}"]
    scans[case_id] = {"findings": findings, "errors": errors, "seconds": time.perf_counter() - start}
json.dump({"package": jupyter_safepip.__file__, "scans": scans}, sys.stdout)
"""


@dataclass(frozen=True)
class Run:
    """One engine's outcomes on the whole catalogue."""

    label: str
    outcomes: dict[str, Outcome]
    seconds: dict[str, float]


def scan_with(engine_root: Path, archives: dict[str, Path], label: str) -> Run:
    """Scan every archive with the engine checked out at `engine_root`."""
    env = {**os.environ, "PYTHONPATH": str(engine_root), "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run([sys.executable, "-c", WORKER], input=json.dumps({k: str(v) for k, v in archives.items()}),
                          capture_output=True, text=True, cwd=engine_root, env=env, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{label}: the scanner failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout)
    package = Path(result["package"]).resolve()
    if engine_root.resolve() not in package.parents:
        raise SystemExit(f"{label}: imported {package}, not the engine under {engine_root} "
                         "(an installed copy shadows it)")
    by_id = {case.id: case for case in CASES}
    outcomes, seconds = {}, {}
    for case_id, scan in result["scans"].items():
        findings = [Finding(rule, Severity(severity), message, NAME, runs=runs)
                    for rule, severity, message, runs in scan["findings"]]
        errors = [CheckError("archive", reason, NAME) for reason in scan["errors"]]
        outcomes[case_id] = judge(by_id[case_id], findings, errors)
        seconds[case_id] = scan["seconds"]
    return Run(label, outcomes, seconds)


def worktree(ref: str, into: Path) -> tuple[Path, str]:
    """A detached checkout of `ref` in a temporary directory (removed by `drop_worktree`), and its commit."""
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{ref}^{{commit}}"],
                            capture_output=True, text=True, check=True).stdout.strip()
    path = into / "engine"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), commit], check=True)
    return path, commit


def describe_working_tree() -> str:
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short=12", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "jupyter_safepip/core"],
                           capture_output=True, text=True).stdout.strip()
    return f"working tree ({commit}{' + uncommitted engine changes' if dirty else ''})"


def drop_worktree(path: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False)
    subprocess.run(["git", "-C", str(ROOT), "worktree", "prune"], check=False)


# --- the tables -----------------------------------------------------------------------------------------------


def _share(part: int, whole: int) -> str:
    return f"{part:>3}/{whole:<3} {100 * part / whole:5.1f}%" if whole else f"{'-':>13}"


def _rows(run: Run, key: Callable[[Case], str], keys: Iterable[str]) -> list[str]:
    rows = []
    for group in [*keys, "total"]:
        cases = [o for o in run.outcomes.values() if group == "total" or key(o.case) == group]
        positives = [o for o in cases if not o.case.benign]
        twins = [o for o in cases if o.case.benign]
        if not cases:
            continue
        rows.append(f"  {group:<22}{_share(sum(o.caught for o in positives), len(positives))}  "
                    f"{_share(sum(o.verdict is Verdict.BLOCK for o in positives), len(positives))}  "
                    f"{_share(sum(o.met for o in positives), len(positives))}  "
                    f"{_share(sum(not o.met for o in twins), len(twins))}")
    return rows


HEADER = f"  {'':<22}{'caught (warn+)':<15}{'blocked':<15}{'at its weight':<15}{'twins flagged':<15}"


def table(run: Run) -> str:
    lines = [f"{run.label}: {len(run.outcomes)} cases, median {1000 * statistics.median(run.seconds.values()):.1f} ms "
             f"per case", "", "by cause", HEADER]
    lines += _rows(run, lambda c: c.cause.slug, [c.slug for c in Cause])
    lines += ["", "by placement", HEADER]
    lines += _rows(run, lambda c: c.placement.label, [p.label for p in Placement])
    missed = [o for o in run.outcomes.values() if not o.case.benign and not o.met]
    flagged = [o for o in run.outcomes.values() if o.case.benign and not o.met]
    lines += ["", f"not caught at their weight ({len(missed)}):"]
    lines += [f"  {o.case.id:<46} {o.verdict.label:<5} wanted {o.case.expect.value:<13} {o.case.technique}"
              for o in missed]
    lines += ["", f"benign twins flagged ({len(flagged)}):"]
    lines += [f"  {o.case.id:<46} {o.verdict.label:<5} {o.case.technique}" for o in flagged]
    return "\n".join(lines)


def comparison(old: Run, new: Run) -> str:
    """Cases whose judgement differs between the two engines."""
    lines = [f"changes from {old.label} to {new.label}:"]
    for case in CASES:
        before, after = old.outcomes[case.id], new.outcomes[case.id]
        if before.met != after.met or before.verdict != after.verdict:
            mark = "fixed " if after.met and not before.met else "broken" if before.met and not after.met else "moved "
            lines.append(f"  {mark} {case.id:<46} {before.verdict.label} -> {after.verdict.label}")
    return "\n".join(lines if len(lines) > 1 else [*lines, "  none"])


def as_json(runs: list[Run]) -> dict:
    return {"cases": [{"id": c.id, "cause": c.cause.slug, "placement": c.placement.label, "expect": c.expect.value,
                       "technique": c.technique,
                       **{run.label: {"verdict": run.outcomes[c.id].verdict.label, "met": run.outcomes[c.id].met}
                          for run in runs}} for c in CASES]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--against", metavar="REF", help="also run the engine of this git commit, branch or tag")
    parser.add_argument("--json", type=Path, metavar="OUT", help="write every case's verdicts here")
    parser.add_argument("--quiet", action="store_true", help="only the totals")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="safepip-evasions-") as tmp:
        archives = {case.id: build(case, Path(tmp, "cases", case.id)) for case in CASES}
        runs = []
        if args.against:
            checkout, commit = worktree(args.against, Path(tmp))
            try:
                runs.append(scan_with(checkout, archives, f"{args.against} ({commit[:12]})"))
            finally:
                drop_worktree(checkout)
        runs.append(scan_with(ROOT, archives, describe_working_tree()))
    for run in runs:
        print(table(run) if not args.quiet else "\n".join([run.label, HEADER, *_rows(run, lambda c: "", [])]))
        print()
    if len(runs) == 2:
        print(comparison(*runs))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(as_json(runs), indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
