"""A longer, coverage-guided fuzz of the archive reader and the pip-line parser with atheris (optional).

The test suite fuzzes both with hypothesis for under a minute (tests/reliability/test_fuzz_*.py); this runs
for as long as you like. atheris is not a test dependency:

    /work/venv/bin/pip install atheris
    python benchmarks/fuzz_atheris.py archive --inputs 200000      # or: parser
    python benchmarks/fuzz_atheris.py archive --inputs 50000 --corpus /tmp/seeds   # extra libFuzzer args pass through

An input that raises anything but the documented refusal (ArchiveUnreadable / RequestError) is a crash: it
is saved under --crashes and counted, and fuzzing goes on. The last line is a JSON summary.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import json
import os
import sys
import tempfile
import time
import traceback
from pathlib import Path

try:
    import atheris
except ImportError:  # pragma: no cover - the message is the point
    sys.exit("atheris is not installed: pip install atheris (it is optional, not a test dependency)")

with atheris.instrument_imports():
    from jupyter_safepip.core.archive import ArchiveUnreadable, read_archive
    from jupyter_safepip.core.checks.archive import scan_archive
    from jupyter_safepip.core.request import RequestError, parse_command

SUFFIXES = (".whl", ".tar.gz", ".zip", ".tar")


class Run:
    """Counts inputs and crashes, keeps crashing inputs, stops after `limit` inputs."""

    def __init__(self, target: str, limit: int, crashes: Path) -> None:
        self.target, self.limit, self.crashes = target, limit, crashes
        self.tried = self.crashed = 0
        self.started = time.perf_counter()
        self.scratch = Path(tempfile.mkdtemp(prefix="safepip-fuzz-"))

    def one(self, data: bytes) -> None:
        self.tried += 1
        try:
            (self._archive if self.target == "archive" else self._parser)(data)
        except Exception:  # noqa: BLE001 - anything escaping the documented refusals is what we are looking for
            self.crashed += 1
            self.crashes.mkdir(parents=True, exist_ok=True)
            name = self.crashes / f"{self.target}-{hashlib.sha256(data).hexdigest()[:16]}"
            name.write_bytes(data)
            name.with_suffix(".txt").write_text(traceback.format_exc())
        if self.tried % 10_000 == 0:
            print(f"{self.tried} inputs, {self.crashed} crashes, {time.perf_counter() - self.started:.0f}s", flush=True)
        if self.tried >= self.limit:
            self.finish()

    def _archive(self, data: bytes) -> None:
        path = self.scratch / f"fuzzpkg-1.0{SUFFIXES[data[0] % len(SUFFIXES)] if data else '.whl'}"
        path.write_bytes(data[1:])
        with contextlib.suppress(ArchiveUnreadable):
            read_archive(path, lambda name: name.endswith((".py", ".pth")))
        scan_archive(path)

    def _parser(self, data: bytes) -> None:
        line = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            with contextlib.suppress(RequestError):
                parse_command(line)

    def finish(self) -> None:
        seconds = time.perf_counter() - self.started
        print(json.dumps({"target": self.target, "inputs_tried": self.tried, "crashes": self.crashed,
                          "seconds": round(seconds, 1), "crash_dir": str(self.crashes)}), flush=True)
        os._exit(1 if self.crashed else 0)  # libFuzzer's own exit would skip the summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("target", choices=["archive", "parser"])
    parser.add_argument("--inputs", type=int, default=100_000, help="stop after this many inputs")
    parser.add_argument("--crashes", type=Path, default=Path("benchmarks/.cache/fuzz-crashes"))
    args, rest = parser.parse_known_args()
    run = Run(args.target, args.inputs, args.crashes)
    atheris.Setup([sys.argv[0], *rest], run.one)
    atheris.Fuzz()
    run.finish()


if __name__ == "__main__":
    main()
