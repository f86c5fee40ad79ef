"""Jupyter Server entry points: register the API, its service and its executor."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from .routes import setup_route_handlers
from .service import SafePipService

# Two checks at once: each runs pip and downloads; more would starve a small server.
CHECK_WORKERS = 2


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_safepip.server"}]


def _load_jupyter_server_extension(server_app) -> None:
    """Add the /safepip/api/ routes to the running server."""
    web_app = server_app.web_app
    web_app.settings["safepip_service"] = SafePipService()
    web_app.settings["safepip_executor"] = ThreadPoolExecutor(max_workers=CHECK_WORKERS, thread_name_prefix="safepip")
    setup_route_handlers(web_app)
    server_app.log.info("jupyter_safepip: checks available at %ssafepip/api/", web_app.settings["base_url"])
