"""Score the typo-squat name checker on the evaluation corpus and print a markdown table.

    python benchmarks/typosquat.py [--corpus ../shared/corpus] [--misses]

typosquats-dev.csv: recall (flagged: a name finding that warns under the default policy) and right
"did you mean" (the first suggestion equals the labelled target); then the same counting the
`name.resembles` hint, which blocks only together with a brand-new project (`name.young-lookalike`).
legit-lookalikes.csv: false positives, once with the shipped snapshot and once with
those names held out of it (as if the snapshot were stale). popular.csv: nothing popular flagged.
ordinary-names.txt: the noise floor. Times are per name, warm, after the one-time load.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from jupyter_safepip.core.checks import names  # noqa: E402
from jupyter_safepip.core.model import Severity  # noqa: E402

WARNS = Severity.MEDIUM  # the default policy's warn threshold


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def warning(findings) -> tuple:
    return tuple(f for f in findings if f.severity >= WARNS)


def hint(findings) -> tuple:
    return tuple(f for f in findings if f.rule_id == "name.resembles")


def suggestion(findings) -> str | None:
    return next((f.suggestion for f in findings if f.suggestion), None)


def pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}% ({part}/{whole})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--misses", action="store_true", help="list every miss, wrong suggestion and flagged ordinary name")
    args = parser.parse_args()

    start = time.perf_counter()
    snap = names.shipped_snapshot()
    load_ms = 1000 * (time.perf_counter() - start)

    squats = rows(args.corpus / "typosquats-dev.csv")
    lookalikes = [r["candidate"] for r in rows(args.corpus / "legit-lookalikes.csv")]
    popular = [r["name"] for r in rows(args.corpus / "popular.csv")]
    ordinary = (args.corpus / "ordinary-names.txt").read_text(encoding="utf-8").split()

    timings: list[float] = []  # names not in the snapshot only: popular names return at once

    def check(name: str, against: names.Snapshot = snap):
        t0 = time.perf_counter()
        found = names.check_against(names.canonicalize_name(name), against)
        if against is snap and name not in snap.rank:
            timings.append(1000 * (time.perf_counter() - t0))
        return found

    missed, wrong, by_kind = [], [], Counter()
    hinted = hinted_right = 0
    for row in squats:
        everything = check(row["candidate"])
        found = warning(everything)
        if not found:
            missed.append(row["candidate"])
            hinted += bool(hint(everything))
            hinted_right += suggestion(hint(everything)) == row["intended_target"]
            continue
        by_kind[found[0].rule_id] += 1
        if suggestion(found) != row["intended_target"]:
            wrong.append(f"{row['candidate']} -> {suggestion(found)} (label {row['intended_target']})")
    flagged = len(squats) - len(missed)
    right = flagged - len(wrong)

    fp_shipped = [n for n in lookalikes if check(n)]  # any finding, the hint included
    held_out = set(lookalikes)
    stale = names.Snapshot.build([(n, r) for n, r in snap.rank.items() if n not in held_out], snap.generic, {})
    stale_warnings = [(n, warning(check(n, stale))) for n in lookalikes]
    fp_stale = [f"{n} -> {suggestion(w)}" for n, w in stale_warnings if w]
    popular_flagged = [n for n in popular if check(n)]
    noise = [(n, check(n)) for n in ordinary]
    noise_warnings = [(n, warning(f)) for n, f in noise]
    noisy = [f"{n} -> {w[0].rule_id} {w[0].suggestion}" for n, w in noise_warnings if w]
    noise_hinted = [f"{n} -> {f[0].suggestion}: {f[0].evidence[0].snippet}" for n, f in noise if hint(f)]

    timings.sort()
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print("| measure | result | target |")
    print("|---|---|---|")
    print(f"| typo-squats flagged (recall) | {pct(flagged, len(squats))} | >= 95% |")
    print(f"| typo-squats flagged with the labelled 'did you mean' | {pct(right, len(squats))} | >= 95% |")
    print(f"| typo-squats with only the resemblance hint (blocked if the project is new) | {pct(hinted, len(squats))} | |")
    print(f"| flagged or hinted | {pct(flagged + hinted, len(squats))} | |")
    print(f"| flagged or hinted, with the labelled 'did you mean' | {pct(right + hinted_right, len(squats))} | |")
    print(f"| legit look-alikes flagged (shipped snapshot) | {pct(len(fp_shipped), len(lookalikes))} | <= 0.5% |")
    print(f"| legit look-alikes flagged (held out of the snapshot) | {pct(len(fp_stale), len(lookalikes))} | informative |")
    print(f"| popular names flagged | {pct(len(popular_flagged), len(popular))} | 0 |")
    print(f"| ordinary names flagged (noise floor) | {pct(len(noisy), len(ordinary))} | < 3% |")
    print(f"| ordinary names with the resemblance hint (blocked if new) | {pct(len(noise_hinted), len(ordinary))} | informative |")
    print(f"| time per unknown name, warm: median / p95 | {statistics.median(timings):.3f} ms / {p95:.3f} ms | < 5 ms |")
    print(f"| one-time load | {load_ms:.0f} ms | |")
    print()
    print("Rules that fired first on the typo-squats: " + ", ".join(f"{k} {v}" for k, v in by_kind.most_common()))
    if args.misses:
        for title, items in (("missed", missed), ("other suggestion", wrong), ("held-out look-alikes flagged", fp_stale),
                             ("ordinary flagged", noisy), ("ordinary hinted", noise_hinted), ("popular flagged", popular_flagged)):
            print(f"\n{title} ({len(items)}):")
            for item in items:
                print("  " + item)


if __name__ == "__main__":
    main()
