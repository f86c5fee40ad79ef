"""A kept file is hashed again only when it is not the file hashed before (a warm check reads no wheel again)."""

from __future__ import annotations

import hashlib
import os

import pytest

from jupyter_safepip.core import artifacts
from jupyter_safepip.core.artifacts import ArtifactStore, kept_sha256
from jupyter_safepip.core.http import plain_session
from jupyter_safepip.core.install import verify_unchanged
from jupyter_safepip.core.model import Candidate


def _fetched(tmp_path, data: bytes = b"wheel bytes " * 1000):
    source = tmp_path / "upstream" / "demo-1.0-py3-none-any.whl"
    source.parent.mkdir()
    source.write_bytes(data)
    digest = hashlib.sha256(data).hexdigest()
    store = ArtifactStore(tmp_path / "store", plain_session())
    candidate = Candidate("demo", "1.0", source.as_uri(), source.name, digest, True, True)
    return store, candidate, store.fetch(candidate)


@pytest.fixture
def hashed(monkeypatch):
    """The files whose bytes were read to hash them."""
    read: list[str] = []
    real = artifacts.file_sha256
    monkeypatch.setattr(artifacts, "file_sha256", lambda path: (read.append(path.name), real(path))[1])
    return read


def test_an_unchanged_kept_file_is_not_read_again(tmp_path, hashed):
    store, candidate, artifact = _fetched(tmp_path)
    again = store.fetch(candidate)
    verify_unchanged((again,))
    assert again.path == artifact.path and again.sha256 == artifact.sha256
    assert hashed == []


def test_a_file_rewritten_with_its_old_times_is_hashed_again_and_caught(tmp_path, hashed):
    _, _, artifact = _fetched(tmp_path)
    before = artifact.path.stat()
    with artifact.path.open("r+b") as out:  # same size, other bytes, times set back
        out.write(b"X")
    os.utime(artifact.path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(artifacts.ArtifactError, match="changed after it was checked"):
        verify_unchanged((artifact,))
    assert hashed == [artifact.path.name]


def test_a_damaged_record_only_means_hashing_again(tmp_path, hashed):
    _, _, artifact = _fetched(tmp_path)
    artifact.path.with_name(f".{artifact.path.name}.sha256").write_text("nonsense")
    assert kept_sha256(artifact.path) == artifact.sha256
    assert kept_sha256(artifact.path) == artifact.sha256
    assert hashed == [artifact.path.name]  # once, then recorded again


def test_records_are_not_offered_to_pip_offline(tmp_path):
    store, _, artifact = _fetched(tmp_path)
    links = sorted(p.name for p in store.offline_links().iterdir())
    assert links == [artifact.path.name]
