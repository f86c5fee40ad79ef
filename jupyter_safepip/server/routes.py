"""The REST routes under <base_url>/safepip/api/."""

from __future__ import annotations

from jupyter_server.utils import url_path_join
from tornado.web import Application

from .handlers import CheckHandler, CheckJobHandler, ChecksHandler, HistoryHandler, PolicyHandler

API_PATH = ("safepip", "api")


def setup_route_handlers(web_app: Application) -> None:
    base_url = web_app.settings["base_url"]
    route = lambda name: url_path_join(base_url, *API_PATH, name)  # noqa: E731
    web_app.add_handlers(".*$", [
        (route("check"), CheckHandler),
        (route("checks"), ChecksHandler),
        (route("checks/([^/]+)"), CheckJobHandler),
        (route("history"), HistoryHandler),
        (route("policy"), PolicyHandler),
    ])
