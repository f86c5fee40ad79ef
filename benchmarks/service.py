"""The vetting index under load: 50 concurrent pip clients installing a 20-package tree through it, against the
same tree served directly by the upstream, in one run.

Everything is on loopback, each server in its own process: the upstream is the tests' package index
(jupyter_safepip.testing.index), the vetting index is `jupyter safepip serve` with a SQLite store. Reported: every
install succeeded, files checked (one check per file), wall time and throughput of the installs each way, and
p50/p95 latency of project pages and file downloads once cached, measured the same way for both: one
event-loop client (no threads to contend with) running 50 concurrent readers, each on a connection kept open
as pip's is, reading every page and the newest file on it. `--upstream-delay-ms` makes the upstream answer as slowly as a
remote index does (the loopback one answers in about a millisecond).

    python benchmarks/service.py [--clients 50] [--packages 20] [--upstream-delay-ms 0] [--processes CORES]
                                 [--out benchmarks/results/service.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import venv
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from jupyter_safepip.testing.builders import build_wheel  # noqa: E402
from jupyter_safepip.testing.index import PackageIndex  # noqa: E402

JSON_SIMPLE = "application/vnd.pypi.simple.v1+json"
ESTABLISHED = {"summary": "A benchmark package", "description": "Long description.",
               "project_urls": {"Source": "https://github.com/example/bench"}, "maintainers": ("Bench",)}


def build_tree(files: Path, packages: int) -> PackageIndex:
    """`benchapp` and packages-1 dependencies, each a wheel of a few modules, all established."""
    index = PackageIndex()
    names = [f"benchdep{i:02d}" for i in range(packages - 1)]
    body = "".join(f"def f{i}(x):\n    return x * {i} + len(str(x))\n\n" for i in range(200))
    for name in names:
        for version, age in (("1.0.0", 900), ("1.1.0", 400), ("1.2.0", 300)):
            index.add(build_wheel(files, name, version, files={f"{name}/__init__.py": body,
                                                               f"{name}/util.py": body}), age_days=age, **ESTABLISHED)
    for version, age in (("1.0.0", 800), ("1.1.0", 300), ("2.0.0", 200)):
        index.add(build_wheel(files, "benchapp", version, requires=names), age_days=age, **ESTABLISHED)
    return index


def serve_upstream(files: Path, packages: int, port: int, delay: float) -> None:
    """The upstream in a process of its own (forked), until terminated."""
    index = build_tree(files, packages)
    index.port, index.delay = port, delay
    index.start()
    signal.sigwait({signal.SIGTERM})
    index.stop()


def start_upstream(files: Path, packages: int, delay: float) -> tuple[multiprocessing.Process, str, list[str]]:
    port = free_port()
    names = sorted(build_tree(files, packages).projects)  # the same tree the child serves
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})  # the child waits for it with sigwait
    child = multiprocessing.get_context("fork").Process(target=serve_upstream, args=(files, packages, port, delay))
    child.start()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
    url = f"http://127.0.0.1:{port}/simple/"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=5)
            return child, url, names
        except requests.ConnectionError:
            time.sleep(0.1)
    raise SystemExit("the upstream index did not start")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_service(tmp: Path, upstream: str, extra: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIP_", "SAFEPIP_", "JUPYTERHUB_"))}
    env.update(PIP_CONFIG_FILE=os.devnull, JUPYTER_CONFIG_DIR=str(tmp / "config"), JUPYTER_DATA_DIR=str(tmp / "data"),
               SAFEPIP_CACHE_DIR=str(tmp / "cache"), JUPYTER_NO_CONFIG="1")
    tmp.mkdir(parents=True, exist_ok=True)
    log = (tmp / "serve.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "jupyter_safepip.vetting.serve", "--anonymous", "--port", str(port), *extra,
                                "--upstream", upstream, "--store", str(tmp / "index.sqlite")],
                               stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/health", timeout=5).status_code == 200:
                return process, url
        except requests.ConnectionError:
            time.sleep(0.2)
    raise SystemExit(f"the vetting index did not start; see {tmp / 'serve.log'}")


def pip_installs(python: str, index_url: str, clients: int, tmp: Path) -> dict:
    """`clients` concurrent `pip install benchapp`, each with its own target and a cold pip cache."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env.update(PIP_CONFIG_FILE=os.devnull, PIP_DISABLE_PIP_VERSION_CHECK="1")

    def one(i: int) -> tuple[float, int, str]:
        target, cache = tmp / f"target-{i}", tmp / f"pip-cache-{i}"
        start = time.perf_counter()
        done = subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-input", "--target", str(target),
                               "--cache-dir", str(cache), "--index-url", index_url, "benchapp"],
                              capture_output=True, text=True, env=env, timeout=1800)
        return time.perf_counter() - start, done.returncode, done.stderr[-500:]

    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        results = list(pool.map(one, range(clients)))
    wall = time.perf_counter() - start
    failures = [r[2] for r in results if r[1] != 0]
    times = sorted(r[0] for r in results)
    return {"clients": clients, "succeeded": clients - len(failures), "failures": failures[:3], "wall_s": round(wall, 2),
            "installs_per_s": round(clients / wall, 2), "install_p50_s": round(statistics.median(times), 2),
            "install_p95_s": round(_p95(times), 2)}


def latencies(base: str, projects: list[str], clients: int) -> dict:
    """`clients` concurrent readers, each reading every project page (JSON) and the newest file on it; p50/p95
    per kind, in ms."""
    return asyncio.run(_latencies(base, projects, clients))


async def _latencies(base: str, projects: list[str], clients: int) -> dict:
    pages: list[float] = []
    files: list[float] = []

    async def client() -> None:
        connection = _KeepAlive(base)
        for project in projects:
            start = time.perf_counter()
            body = await connection.get(f"/simple/{project}/", {"Accept": JSON_SIMPLE})
            pages.append(time.perf_counter() - start)
            newest = json.loads(body)["files"][-1]
            start = time.perf_counter()
            await connection.get(urlsplit(urljoin(f"{base}/simple/{project}/", newest["url"])).path, {})
            files.append(time.perf_counter() - start)
        connection.close()

    await asyncio.gather(*(client() for _ in range(clients)))
    return {"page_p50_ms": _ms(statistics.median(pages)), "page_p95_ms": _ms(_p95(sorted(pages))),
            "file_p50_ms": _ms(statistics.median(files)), "file_p95_ms": _ms(_p95(sorted(files))),
            "requests": len(pages) + len(files)}


class _KeepAlive:
    """A minimal HTTP/1.1 client on one connection kept open as pip's is (opened again when the server
    closes it, as an HTTP/1.0 server does after each answer)."""

    def __init__(self, base: str) -> None:
        parts = urlsplit(base)
        self.host, self.port = parts.hostname, parts.port
        self.streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None = None

    async def get(self, path: str, headers: dict[str, str]) -> bytes:
        if self.streams is None:
            self.streams = await asyncio.open_connection(self.host, self.port)
        reader, writer = self.streams
        lines = [f"GET {path} HTTP/1.1", f"Host: {self.host}:{self.port}", *(f"{k}: {v}" for k, v in headers.items())]
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode())
        status = await reader.readline()
        length, closes = 0, status.startswith(b"HTTP/1.0")
        while (line := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode().partition(":")
            if name.lower() == "content-length":
                length = int(value)
            elif name.lower() == "connection":
                closes = value.strip().lower() == "close"
        body = await reader.readexactly(length)
        if not status.split()[1:2] == [b"200"]:
            raise RuntimeError(f"{path}: {status.decode().strip()}")
        if closes:
            self.close()
        return body

    def close(self) -> None:
        if self.streams is not None:
            self.streams[1].close()
            self.streams = None


def _p95(values: list[float]) -> float:
    return values[min(len(values) - 1, int(round(0.95 * (len(values) - 1))))]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--packages", type=int, default=20)
    parser.add_argument("--upstream-delay-ms", type=float, default=0.0)
    parser.add_argument("--processes", type=int, default=os.cpu_count() or 1, help="the index's serving processes")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "service.json")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="safepip-service-bench-") as tmp_name:
        tmp = Path(tmp_name)
        upstream, upstream_url, projects = start_upstream(tmp / "files", args.packages, args.upstream_delay_ms / 1000)
        venv.create(tmp / "venv", with_pip=True)
        python = str(tmp / "venv" / "bin" / "python")
        service, url = start_service(tmp / "service", upstream_url, ("--processes", str(args.processes)))
        try:
            through = pip_installs(python, f"{url}/simple/", args.clients, tmp / "through")
            health = requests.get(f"{url}/api/scans", timeout=30).json()
            direct = pip_installs(python, upstream_url, args.clients, tmp / "direct")
            cached_through = latencies(url, projects, args.clients)
            cached_direct = latencies(upstream_url.removesuffix("/simple/"), projects, args.clients)
        finally:
            service.terminate()
            service.wait(60)
            upstream.terminate()
            upstream.join(60)
    files_in_tree = args.packages  # pip installs one file per package
    result = {
        "date": date.today().isoformat(),
        "command": "python benchmarks/service.py " + " ".join(sys.argv[1:]),
        "machine": f"{os.cpu_count()} cores",
        "packages": args.packages,
        "upstream_delay_ms": args.upstream_delay_ms,
        "installs_through_index": through,
        "installs_direct": direct,
        "processes": args.processes,
        "files_checked": health["scans_all_replicas"],
        "files_checked_twice": health["files_checked_twice"],
        "checks_per_file": round(health["scans_all_replicas"] / files_in_tree, 2),
        "cached_through_index": cached_through,
        "cached_direct": cached_direct,
        "cached_ratio": {k: round(cached_through[k] / cached_direct[k], 2) for k in cached_direct if k.endswith("_ms")},
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    ok = through["succeeded"] == args.clients and direct["succeeded"] == args.clients \
        and health["scans_all_replicas"] == files_in_tree
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
