"""Each pip network setting (CA bundle, proxy, ...) gets its own HTTP session, reused and bounded."""

from __future__ import annotations

from pathlib import Path

from jupyter_safepip.core.pipeline import MAX_NETWORKS, Pipeline
from jupyter_safepip.core.request import parse_install_args
from jupyter_safepip.core.settings import Settings


def session_for(pipeline: Pipeline, *args: str):
    return pipeline.route_for(parse_install_args([*args, "tidyframe"])).index.session


def test_requests_with_the_same_network_share_a_session_and_others_get_their_own(tmp_path: Path) -> None:
    pipeline = Pipeline(Settings(cache_dir=tmp_path))
    plain = session_for(pipeline)
    assert session_for(pipeline) is plain
    proxied = session_for(pipeline, "--proxy", "http://127.0.0.1:9")
    assert proxied is not plain and proxied.proxies.get("https") == "http://127.0.0.1:9"


def test_the_oldest_session_goes_when_too_many_networks_were_used(tmp_path: Path) -> None:
    pipeline = Pipeline(Settings(cache_dir=tmp_path))
    proxies = [f"http://127.0.0.1:{port}" for port in range(1, MAX_NETWORKS + 2)]
    sessions = [session_for(pipeline, "--proxy", proxy) for proxy in proxies]
    assert session_for(pipeline, "--proxy", proxies[-1]) is sessions[-1]  # the newest is kept
    assert session_for(pipeline, "--proxy", proxies[0]) is not sessions[0]  # the oldest was dropped
