"""`jupyter safepip serve`: run the vetting index, standalone or as a JupyterHub service.

As a hub service (JUPYTERHUB_SERVICE_NAME and JUPYTERHUB_API_TOKEN set by the hub) every request must carry a
hub token of a user allowed to use the service; standalone it serves only with --anonymous (say, on loopback
for one machine), or to holders of SAFEPIP_INDEX_ADMIN_TOKEN.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from tornado.httpserver import HTTPServer

from ..config import ConfigError, config_layers, effective_config, settings_from_config
from ..core.capacity import worker_count
from ..core.http import without_credentials
from ..core.index import IndexClient
from ..core.model import PipNetwork
from ..core.pipeline import Pipeline
from ..core.request import RequestError, configured_indexes
from ..core.scan_workers import ScanWorkers
from ..core.settings import Settings
from .auth import Authenticator
from .listing import Rules
from .service import PAGE_CHECK_BYTES, VettingIndex
from .store import StoreUnavailable, open_store
from .vetter import FileVetter

log = logging.getLogger("jupyter_safepip.vetting")
WORKER_VARIABLE = "SAFEPIP_INDEX_PROCESS"  # set in the processes a --processes N index starts


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8765
    upstream: tuple[str, ...] = ()  # empty: pip's configured index and extra indexes
    store: str = ""  # empty: SafePip.index_store, else index.sqlite in the Jupyter data directory
    anonymous: bool = False
    min_release_age: float | None = None  # days; None: SafePip.min_release_age
    page_check_bytes: int = PAGE_CHECK_BYTES
    prefix: str = "/"
    timeout: float = 15.0  # seconds per upstream request
    processes: int = 1  # serving processes on this machine, sharing the port and the store


@dataclass
class Running:
    """What `start` built, for a clean stop."""

    index: VettingIndex
    workers: ScanWorkers
    server: HTTPServer


def build(options: ServeOptions, settings: Settings, store_url: str) -> tuple[VettingIndex, Authenticator, ScanWorkers]:
    urls, network = _upstream(options)
    store = open_store(store_url)
    pipeline = Pipeline(settings)
    upstream = IndexClient(urls[0], urls[1:], session=pipeline.session(network))
    workers = ScanWorkers(max(1, worker_count() // options.processes))
    vetter = FileVetter(pipeline, store, upstream, network, workers)
    age = settings.min_release_age if options.min_release_age is None else options.min_release_age
    index = VettingIndex(upstream, vetter, store, Rules(settings.policy, timedelta(days=age)), options.page_check_bytes)
    return index, _authenticator(options), workers


async def start(options: ServeOptions) -> Running:
    from .app import make_app

    config = effective_config(config_layers())
    settings = replace(settings_from_config(config), timeout=options.timeout)
    store_url = options.store or config.values["index_store"] or str(_default_store())
    index, auth, workers = build(options, settings, store_url)
    server = HTTPServer(make_app(index, auth, options.prefix), max_buffer_size=1 << 20)
    server.listen(options.port, options.host, reuse_port=options.processes > 1)
    log.info("vetting index on http://%s:%d%s, upstream %s, store %s", options.host, options.port, options.prefix,
             ", ".join(map(without_credentials, index.upstream.index_urls)), without_credentials(store_url))
    return Running(index, workers, server)


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="[safepip-index %(asctime)s] %(message)s")
    logging.getLogger("tornado.access").setLevel(logging.WARNING)  # every answer is in the decision log already
    argv = sys.argv[1:] if argv is None else argv
    try:
        options = _options(argv)
    except ValueError as exc:
        print(f"jupyter safepip serve: error: {exc}", file=sys.stderr)
        return 64
    # More processes: the others are this command again, on the same port (the kernel shares the connections
    # out); this one starts and stops them.
    others = [] if os.environ.get(WORKER_VARIABLE) else [
        subprocess.Popen([sys.executable, "-m", "jupyter_safepip.vetting.serve", *argv],
                         env={**os.environ, WORKER_VARIABLE: "1"}) for _ in range(options.processes - 1)]
    try:
        return asyncio.run(_serve(options))
    finally:
        for other in others:
            other.terminate()
        for other in others:
            other.wait()


async def _serve(options: ServeOptions) -> int:
    try:
        running = await start(options)
    except (ConfigError, StoreUnavailable, RequestError, OSError, ValueError) as exc:
        print(f"jupyter safepip serve: error: {exc}", file=sys.stderr)
        return 1
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    print(f"jupyter safepip serve: listening on http://{options.host}:{options.port}{options.prefix}", flush=True)
    await stop.wait()
    running.server.stop()
    running.index.close()
    running.index.store.close()
    running.workers.close()
    return 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="jupyter safepip serve",
                                description="Run the vetting index: a package index that serves only checked files.")
    p.add_argument("--host", default=None, help="address to listen on (default 127.0.0.1, or the hub's service URL)")
    p.add_argument("--port", type=int, default=None, help="port (default 8765, or the hub's service URL)")
    p.add_argument("--upstream", action="append", default=[], metavar="URL",
                   help="the index to proxy; repeat for extra indexes (default: pip's configured indexes)")
    p.add_argument("--store", default="", metavar="URL",
                   help="postgresql://... or a SQLite file (default: SafePip.index_store, else the Jupyter data dir)")
    p.add_argument("--anonymous", action="store_true", help="serve requests without credentials (off by default)")
    p.add_argument("--min-release-age", type=float, default=None, metavar="DAYS",
                   help="cool-down in days (default: SafePip.min_release_age)")
    p.add_argument("--processes", type=int, default=1, metavar="N",
                   help="serving processes sharing the port (one per core serves the most at once; default 1)")
    p.add_argument("--timeout", type=float, default=15.0, metavar="SECONDS", help="seconds per upstream request")
    p.add_argument("--page-check-mb", type=float, default=PAGE_CHECK_BYTES / 1e6, metavar="MB",
                   help="check a page's newest release before answering when its files total at most this")
    return p


def _options(argv: list[str] | None) -> ServeOptions:
    args = parser().parse_args(argv)
    service_url = os.environ.get("JUPYTERHUB_SERVICE_URL")
    bound = urlsplit(service_url) if service_url else None
    if not 1 <= args.processes <= 64:
        raise ValueError("--processes must be between 1 and 64")
    if args.min_release_age is not None and not 0 <= args.min_release_age <= 365:
        raise ValueError("--min-release-age must be between 0 and 365 days")
    return ServeOptions(
        host=args.host or (bound.hostname if bound and bound.hostname else "127.0.0.1"),
        port=args.port or (bound.port if bound and bound.port else 8765),
        upstream=tuple(args.upstream),
        store=args.store,
        anonymous=args.anonymous,
        min_release_age=args.min_release_age,
        page_check_bytes=int(args.page_check_mb * 1e6),
        timeout=args.timeout,
        processes=args.processes,
        prefix=os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/") if _in_hub() else "/",
    )


def _upstream(options: ServeOptions) -> tuple[tuple[str, ...], PipNetwork]:
    urls, network = configured_indexes()
    chosen = options.upstream or urls
    if not chosen:
        raise ValueError("no upstream index: give --upstream URL (pip's configuration names none)")
    return tuple(chosen), network


def _authenticator(options: ServeOptions) -> Authenticator:
    admin_token = os.environ.get("SAFEPIP_INDEX_ADMIN_TOKEN") or None
    if not _in_hub():
        return Authenticator(allow_anonymous=options.anonymous, admin_token=admin_token)
    from jupyterhub.services.auth import HubAuth

    # Any user the hub vouches for may use the index (their server's own token has no service scopes).
    return Authenticator(allow_anonymous=options.anonymous, admin_token=admin_token, hub_auth=HubAuth(access_scopes=set()))


def _in_hub() -> bool:
    return bool(os.environ.get("JUPYTERHUB_API_TOKEN") and os.environ.get("JUPYTERHUB_SERVICE_NAME"))


def _default_store() -> Path:
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "safepip" / "index.sqlite"




if __name__ == "__main__":
    sys.exit(main())
