"""The one seam for HTTP: a requests session with an on-disk HTTP cache, timeouts, retries and offline mode."""

from __future__ import annotations

from pathlib import Path

import requests
from cachecontrol import CacheControlAdapter
from cachecontrol.caches import SeparateBodyFileCache
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from .. import __version__

USER_AGENT = f"jupyter_safepip/{__version__}"
RETRIES = Retry(total=3, connect=3, read=2, backoff_factor=0.2, status_forcelist=(500, 502, 503, 504),
                allowed_methods=frozenset({"GET", "HEAD"}), raise_on_status=False)


class OfflineMiss(requests.ConnectionError):
    """Offline mode and the answer is not in the cache."""


class _TimeoutSession(requests.Session):
    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.default_timeout = timeout

    def request(self, method, url, **kwargs):  # type: ignore[override]
        kwargs.setdefault("timeout", self.default_timeout)
        return super().request(method, url, **kwargs)


class _CacheOnlyAdapter(CacheControlAdapter):
    """Answers from the cache, fresh or stale, and never touches the network."""

    def send(self, request, **kwargs):  # type: ignore[override]
        # The controller's loader checks Vary and the serialisation format; freshness is ignored on purpose.
        cached = self.controller._load_from_cache(request)
        if cached is None:
            raise OfflineMiss(f"offline: {request.url} is not in the cache")
        return self.build_response(request, cached, from_cache=True)


def make_session(cache_dir: Path, *, offline: bool = False, timeout: float = 15.0) -> requests.Session:
    """A session for index pages and file downloads; responses are cached under cache_dir per HTTP rules."""
    session = _TimeoutSession(timeout)
    session.headers["User-Agent"] = USER_AGENT
    cache = SeparateBodyFileCache(str(cache_dir))
    adapter_class = _CacheOnlyAdapter if offline else CacheControlAdapter
    adapter = adapter_class(cache=cache, max_retries=RETRIES)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


def plain_session(timeout: float = 60.0) -> requests.Session:
    """A session without the HTTP cache, for large files kept elsewhere (the artifact store)."""
    session = _TimeoutSession(timeout)
    session.headers["User-Agent"] = USER_AGENT
    adapter = HTTPAdapter(max_retries=RETRIES)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session
