"""HTTP handlers; one base handler turns domain errors into JSON {code, message} with a 4xx status."""

from __future__ import annotations

import json
from concurrent.futures import Executor
from http.client import responses
from typing import Any

import tornado.web
from jupyter_server.auth.decorator import authorized
from jupyter_server.base.handlers import APIHandler
from tornado.ioloop import IOLoop

from ..core.report_json import report_to_dict
from .payloads import history_to_dict, job_to_dict, policy_to_dict
from .service import CheckInput, SafePipService, TooManyChecks

AUTH_RESOURCE = "safepip"
MAX_BODY_BYTES = 256 * 1024
DEFAULT_PAGE = 50


class BadRequest(ValueError):
    """The request itself is malformed (not JSON, wrong fields, wrong types)."""


class SafePipHandler(APIHandler):
    """Base handler: blocking work in the executor, user errors as 400 with a one-line message."""

    auth_resource = AUTH_RESOURCE

    @property
    def service(self) -> SafePipService:
        return self.settings["safepip_service"]

    @property
    def executor(self) -> Executor:
        return self.settings["safepip_executor"]

    async def run_blocking(self, fn, *args):
        """Never block the server's event loop: pip, disk and SQLite run in the extension's executor."""
        return await IOLoop.current().run_in_executor(self.executor, fn, *args)

    def reply(self, payload: Any) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        exc = kwargs.get("exc_info", (None, None, None))[1]
        if isinstance(exc, ValueError):  # RequestError, ConfigError, HistoryError, BadRequest, PolicyError ...
            status_code, code, message = 400, _code_of(exc), _one_line(str(exc)) or "bad request"
        elif isinstance(exc, tornado.web.HTTPError):
            code = responses.get(exc.status_code, "error").lower().replace(" ", "-")
            message = exc.log_message % exc.args if exc.log_message else responses.get(exc.status_code, "error")
        else:
            code, message = "internal-error", "internal error while checking; see the server log"
        self.set_status(status_code)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"code": code, "message": message}))

    def log_exception(self, typ, value, tb) -> None:  # type: ignore[override]
        if isinstance(value, ValueError):  # a user's mistake, not a bug: no traceback in the log
            self.log.info("safepip: %s: %s", _code_of(value), _one_line(str(value)))
            return
        super().log_exception(typ, value, tb)

    def json_body(self) -> dict[str, Any]:
        body = self.request.body or b""
        if len(body) > MAX_BODY_BYTES:
            raise tornado.web.HTTPError(413, "request body larger than %d bytes", MAX_BODY_BYTES)
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise BadRequest("the request body must be a JSON object") from None
        if not isinstance(data, dict):
            raise BadRequest("the request body must be a JSON object")
        return data

    def int_argument(self, name: str, default: int) -> int:
        raw = self.get_query_argument(name, None)
        if raw in (None, ""):
            return default
        try:
            return int(raw)
        except ValueError:
            raise BadRequest(f"{name} must be a whole number, not {raw!r}") from None


class CheckHandler(SafePipHandler):
    """POST check: {"spec": "pandas>=2 reqeusts"} and/or {"requirements": "<requirements.txt>"} -> report."""

    @tornado.web.authenticated
    @authorized("execute")  # runs pip's resolver on the server
    async def post(self) -> None:
        what = _check_input(self.json_body())
        report = await self.run_blocking(self.service.check, what)
        self.reply(report_to_dict(report))


class ChecksHandler(SafePipHandler):
    """POST checks: the body of POST check -> 202 {"id"}; GET checks/<id> follows the check while it runs."""

    @tornado.web.authenticated
    @authorized("execute")
    async def post(self) -> None:
        what = _check_input(self.json_body())
        try:
            job_id = self.service.start(what, self.executor)
        except TooManyChecks as exc:
            raise tornado.web.HTTPError(429, "%s", exc) from None
        self.set_status(202)
        self.reply({"id": job_id})


class CheckJobHandler(SafePipHandler):
    """GET checks/<id> -> {"state": "running", "progress"} or {"state": "done", "report"}; a check that failed
    answers as POST check would have, with its status and {code, message}."""

    @tornado.web.authenticated
    @authorized
    async def get(self, job_id: str) -> None:
        job = self.service.job(job_id)
        if job is None:
            raise tornado.web.HTTPError(404, "no check with this id: it never started here, or it finished "
                                        "more than a few minutes ago, or the server restarted")
        if job.error is not None:  # (its traceback dropped: it is raised again at every poll, and would grow)
            raise job.error.with_traceback(None)
        self.reply(job_to_dict(job))


class HistoryHandler(SafePipHandler):
    """GET history?verdict=&package=&limit=&offset= -> {total, limit, offset, entries}, newest first."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        verdict = self.get_query_argument("verdict", None) or None
        package = self.get_query_argument("package", None) or None
        limit, offset = self.int_argument("limit", DEFAULT_PAGE), self.int_argument("offset", 0)
        page = await self.run_blocking(lambda: self.service.history(verdict=verdict, package=package, limit=limit, offset=offset))
        self.reply(history_to_dict(page, limit, offset))


class PolicyHandler(SafePipHandler):
    """GET policy -> each setting's value, the layer that set it, whether it is locked; refused changes."""

    @tornado.web.authenticated
    @authorized
    async def get(self) -> None:
        def load():
            config = self.service.config()
            return config, str(self.service.history_path(config))

        config, history_path = await self.run_blocking(load)
        self.reply(policy_to_dict(config, history_path))


def _check_input(data: dict[str, Any]) -> CheckInput:
    unknown = set(data) - {"spec", "requirements"}
    if unknown:
        raise BadRequest(f"unknown field(s): {', '.join(sorted(unknown))} (expected spec and/or requirements)")
    values = {}
    for key in ("spec", "requirements"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise BadRequest(f"{key} must be a string")
        values[key] = value
    if not values["spec"].strip() and not values["requirements"].strip():
        raise BadRequest("give a spec (for example: pandas>=2) or the text of a requirements file")
    return CheckInput(**values)


def _code_of(exc: Exception) -> str:
    """RequestError -> request-error: a stable, machine-readable code from the exception's class."""
    name = type(exc).__name__
    return "".join("-" + c.lower() if c.isupper() else c for c in name).lstrip("-")


def _one_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""
