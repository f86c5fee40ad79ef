"""An index on 127.0.0.1 whose one project's wheel (about 3 MB) arrives over about 6 s: long enough to watch a
check say how far it is."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from jupyter_safepip.testing.builders import build_wheel
from jupyter_safepip.testing.index import PackageIndex
from tests.conftest import ESTABLISHED

SLOW_PROJECT = "heavyfixture-data"


@contextmanager
def slow_download_index(directory: Path) -> Iterator[PackageIndex]:
    """Serves SLOW_PROJECT 1.0, an established project, 256 kB every half second."""
    data = random.Random(0).randbytes(3_000_000)  # does not compress: the wheel is about 3 MB
    wheel = build_wheel(directory, SLOW_PROJECT, "1.0", extra={"heavyfixture_data/weights.bin": data})
    index = PackageIndex()
    index.add(wheel, age_days=600, **ESTABLISHED)
    index.drip(wheel.name, chunk=256 * 1024, interval=0.5)
    index.start()
    try:
        yield index
    finally:
        index.stop()
