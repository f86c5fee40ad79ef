"""The one seam for HTTP: a requests session with an on-disk HTTP cache, timeouts, retries and offline mode.

Certificates and proxies: requests reads REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE and the *_PROXY variables
itself; pip's own settings (`cert`, `client-cert`, `proxy`, `trusted-host` from its configuration files,
PIP_* variables and the install command line, see model.PipNetwork) come on top, so a private index behind
its own CA works for both.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from urllib.parse import urlsplit

import requests
import urllib3
from cachecontrol import CacheControlAdapter, CacheController
from cachecontrol.caches import SeparateBodyFileCache
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__
from .model import PipNetwork

USER_AGENT = f"jupyter_safepip/{__version__}"
RETRIES = Retry(total=3, connect=3, read=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504),
                allowed_methods=frozenset({"GET", "HEAD"}), raise_on_status=False)


class OfflineMiss(requests.ConnectionError):
    """Offline mode and the answer is not in the cache."""


class _Controller(CacheController):
    """Also keeps "not found" answers when the index allows it, so offline mode knows what an index lacks."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, status_codes=(200, 203, 300, 301, 308, 404, 410), **kwargs)


class _TimeoutSession(requests.Session):
    def __init__(self, timeout: float, trusted_hosts: tuple[str, ...] = ()) -> None:
        super().__init__()
        self.default_timeout = timeout
        self.trusted_hosts = frozenset(trusted_hosts)

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        parts = urlsplit(url)
        if parts.hostname in self.trusted_hosts or parts.netloc.rpartition("@")[2] in self.trusted_hosts:
            kwargs["verify"] = False  # as pip does for a --trusted-host, and as quietly
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", urllib3.exceptions.InsecureRequestWarning)
                return super().request(method, url, **kwargs)
        return super().request(method, url, **kwargs)


class _CacheOnlyAdapter(CacheControlAdapter):
    """Answers from the cache, fresh or stale, and never touches the network."""

    def send(self, request, **kwargs):  # type: ignore[override]
        # The controller's loader checks Vary and the serialisation format; freshness is ignored on purpose.
        cached = self.controller._load_from_cache(request)
        if cached is None:
            raise OfflineMiss(f"offline: {without_credentials(request.url)} is not in the cache")
        return self.build_response(request, cached, from_cache=True)


def make_session(cache_dir: Path, *, offline: bool = False, timeout: float = 15.0,
                 network: PipNetwork = PipNetwork()) -> requests.Session:
    """A session for index pages and file downloads; responses are cached under cache_dir per HTTP rules."""
    session = _base_session(timeout, network)
    cache = SeparateBodyFileCache(str(cache_dir))
    adapter_class = _CacheOnlyAdapter if offline else CacheControlAdapter
    adapter = adapter_class(cache=cache, controller_class=_Controller, max_retries=RETRIES)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def plain_session(timeout: float = 60.0, network: PipNetwork = PipNetwork()) -> requests.Session:
    """A session without the HTTP cache, for large files kept elsewhere (the artifact store)."""
    session = _base_session(timeout, network)
    adapter = HTTPAdapter(max_retries=RETRIES)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def _base_session(timeout: float, network: PipNetwork) -> requests.Session:
    session = _TimeoutSession(timeout, network.trusted_hosts)
    session.headers["User-Agent"] = USER_AGENT
    if network.cert:
        session.verify = network.cert
    if network.client_cert:
        session.cert = network.client_cert
    if network.proxy:
        session.proxies = {"http": network.proxy, "https": network.proxy}
    return session


def describe_failure(exc: requests.RequestException, url: str) -> str:
    """One line for a failed request (host, what went wrong); retries wrap the socket's error in urllib3's, wrapped in requests'."""
    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    cause = getattr(cause, "reason", None) or cause
    detail = " ".join(str(cause).split()).rsplit("]", 1)[-1].strip()[:200] or type(cause).__name__
    refused = isinstance(cause, urllib3.exceptions.NewConnectionError)  # a subclass of urllib3's TimeoutError
    if not refused and (isinstance(exc, requests.Timeout) or isinstance(cause, TimeoutError | urllib3.exceptions.TimeoutError)):
        return f"{_netloc(url)} did not answer in time ({urlsplit(url).path})"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"{_netloc(url)}: TLS certificate problem ({detail})"
    if isinstance(exc, requests.ConnectionError):
        return f"{_netloc(url)}: cannot connect ({detail})"
    return f"{_netloc(url)}: {type(exc).__name__} ({detail})"


def _netloc(url: str) -> str:
    return urlsplit(without_credentials(url)).netloc or url


def without_credentials(url: str) -> str:
    """The URL without `user:token@`: what messages and logs may show (on a hub, index URLs carry a token)."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl() if "@" in parts.netloc else url


def same_index(a: str, b: str) -> bool:
    """The same index, whatever credentials either URL carries (a hub gives each user's pip its own token)."""
    return without_credentials(a).rstrip("/") == without_credentials(b).rstrip("/")
