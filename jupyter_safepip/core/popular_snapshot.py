"""Regenerate the shipped popular-names snapshot from a ranked CSV (columns `name` and `rank`).

    python -m jupyter_safepip.core.popular_snapshot --from ../shared/corpus/popular.csv

Any CSV with those two columns works the same (e.g. a fresher download-count export); names are
PEP 503-normalised, duplicates keep their best rank, and the result is written in rank order.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

from packaging.utils import InvalidName, canonicalize_name

DEFAULT_OUT = Path(__file__).resolve().parent.parent / "data" / "popular.csv"


class SnapshotError(ValueError):
    """The ranked CSV cannot be turned into a snapshot."""


def read_ranked(path: Path) -> list[tuple[str, int]]:
    """(normalised name, rank) pairs from a ranked CSV, best rank first, one per name."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames or not {"name", "rank"} <= set(reader.fieldnames):
                raise SnapshotError(f"{path}: expected a CSV with 'name' and 'rank' columns")
            best: dict[str, int] = {}
            for lineno, row in enumerate(reader, start=2):
                try:
                    name = canonicalize_name(row["name"].strip(), validate=True)
                    rank = int(row["rank"])
                except (InvalidName, ValueError, AttributeError):
                    raise SnapshotError(f"{path}:{lineno}: not a project name and a whole-number rank: {row}") from None
                best[name] = min(rank, best.get(name, rank))
    except OSError as exc:
        raise SnapshotError(f"cannot read {path}: {exc.strerror}") from None
    if not best:
        raise SnapshotError(f"{path}: no names")
    return sorted(best.items(), key=lambda item: (item[1], item[0]))


def write_snapshot(ranked: list[tuple[str, int]], out: Path) -> None:
    with out.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["name", "rank"])
        writer.writerows(ranked)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, required=True, help="ranked CSV with name,rank columns")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"where to write (default: {DEFAULT_OUT})")
    args = parser.parse_args(argv)
    try:
        ranked = read_ranked(args.source)
        write_snapshot(ranked, args.out)
    except SnapshotError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"wrote {len(ranked)} names to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
