"""The vetting index on a JupyterHub, in one call from jupyterhub_config.py:

    from jupyter_safepip.vetting.hub import configure_vetting_index
    configure_vetting_index(c, store="postgresql://...")

The hub starts the index as a managed service (or names one running elsewhere: `url=`), and every user's
server gets PIP_INDEX_URL and UV_DEFAULT_INDEX pointing at it with that user's own hub token as the password, so
pip and uv in terminals, subprocesses and scripts go through it and each request is tied to a user.
"""

from __future__ import annotations

import sys
from urllib.parse import quote, urlsplit, urlunsplit

SERVICE_NAME = "safepip-index"
DEFAULT_PORT = 8765
# The variables pip and uv read for their index (uv's older name too): set in every user's server.
INDEX_VARIABLES = ("PIP_INDEX_URL", "UV_DEFAULT_INDEX", "UV_INDEX_URL")


def configure_vetting_index(c, *, url: str | None = None, port: int = DEFAULT_PORT, upstream: tuple[str, ...] = (),
                            store: str = "", args: tuple[str, ...] = (), environment: dict[str, str] | None = None,
                            name: str = SERVICE_NAME, python: str = sys.executable) -> str:
    """Add the service to `c.JupyterHub.services` and the index variables to `c.Spawner.environment`; returns the
    index URL users' pip reads. With `url`, the index runs elsewhere (replicas behind a load balancer) and the hub
    only registers it; else the hub runs `jupyter safepip serve` on `port` of this machine."""
    service: dict = {"name": name, "display": False}
    if url is None:
        url = f"http://127.0.0.1:{port}"
        command = [python, "-m", "jupyter_safepip.vetting.serve", "--port", str(port)]
        command += [a for u in upstream for a in ("--upstream", u)] + (["--store", store] if store else []) + list(args)
        service.update(url=url, command=command, environment=dict(environment or {}))
    else:
        service["url"] = url
    services = list(c.JupyterHub.services or [])
    c.JupyterHub.services = [s for s in services if s.get("name") != name] + [service]
    simple = url.rstrip("/") + "/simple/"
    existing = dict(c.Spawner.environment or {})
    c.Spawner.environment = {**existing, **{key: user_index_url(simple) for key in INDEX_VARIABLES}}
    return simple


def user_index_url(simple: str):
    """A Spawner.environment value: the index URL with the spawned user's name and server token in it."""

    def for_spawner(spawner) -> str:
        return with_credentials(simple, spawner.user.name, spawner.api_token)

    return for_spawner


def with_credentials(url: str, user: str, token: str) -> str:
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{quote(user, safe='')}:{quote(token, safe='')}@{host}"))
