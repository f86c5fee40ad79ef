"""pip command lines -> InstallRequest / PassThrough, and clear one-line errors for bad input."""

from pathlib import Path

import pytest

from jupyter_safepip.core.model import InstallRequest, PassThrough
from jupyter_safepip.core.request import RequestError, parse_command


def test_specifiers_extras_markers_are_read_with_packaging():
    request = parse_command('install "Pandas[performance]>=2,<3; python_version >= \'3.8\'" Scikit_Learn')
    assert isinstance(request, InstallRequest)
    pandas, sklearn = request.requirements
    assert (pandas.name, pandas.specifier, pandas.extras) == ("pandas", "<3,>=2", ("performance",))
    assert "python_version" in pandas.marker
    assert sklearn.name == "scikit-learn"


def test_options_are_understood_and_kept_for_pip():
    request = parse_command("install -U --pre --no-deps -i http://127.0.0.1:1/simple --extra-index-url http://127.0.0.1:2/simple tidyframe")
    assert request.upgrade and request.pre and request.no_deps
    assert request.index_url == "http://127.0.0.1:1/simple"
    assert "http://127.0.0.1:2/simple" in request.extra_index_urls
    assert request.pip_args[-1] == "tidyframe"


def test_nested_requirement_files_and_constraints(tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # pip reads -e paths in requirement files from the working directory
    (tmp_path / "local_pkg").mkdir()
    (tmp_path / "local_pkg" / "setup.py").write_text("")
    (tmp_path / "inner.txt").write_text("tidycore==1.0  # pinned\n-e ./local_pkg\n")
    (tmp_path / "constraints.txt").write_text("tidyutils<2\n")
    outer = tmp_path / "requirements.txt"
    outer.write_text("tidyframe>=1\n-r inner.txt\n-c constraints.txt\nwheelpkg @ https://127.0.0.1/w-1.0-py3-none-any.whl\n")
    request = parse_command(["install", "-r", str(outer)])
    names = [r.name for r in request.requirements]
    assert names == ["tidyframe", "tidycore", None, "wheelpkg"]
    assert request.requirements[2].editable and request.requirements[2].url == "./local_pkg"
    assert request.requirements[3].url.startswith("https://")
    assert "inner.txt" in request.requirements[1].source
    assert "tidyutils" not in names  # a constraint is not a requirement


def test_paths_urls_and_vcs_are_locations(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "pkg-1.0.tar.gz").write_bytes(b"")
    request = parse_command("install ./dist/pkg-1.0.tar.gz git+https://127.0.0.1/repo.git#egg=Repo_Name")
    archive, vcs = request.requirements
    assert archive.name is None and archive.url == Path("dist/pkg-1.0.tar.gz").resolve().as_uri()
    assert vcs.name == "repo-name" and vcs.url.startswith("git+")


@pytest.mark.parametrize("typed", ["pkg-1.0.tgz", "pkg-1.0.tar", "pkg-1.0.tar.xz", "PKG-1.0.TAR.GZ", "pkg-1.0.zip"])
def test_archives_are_locations_as_pip_reads_them(typed, tmp_path, monkeypatch):
    """pip builds a local archive named like this even without ./; the check must treat it as one."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / typed).write_bytes(b"")
    (plain,) = parse_command(["install", typed]).requirements
    assert plain.name is None and plain.url == (tmp_path / typed).as_uri()
    (with_extras,) = parse_command(["install", f"{typed}[fast]; python_version > '3'"]).requirements
    assert with_extras.url == plain.url and with_extras.extras == ("fast",) and "python_version" in with_extras.marker


def test_install_locations_are_recorded():
    request = parse_command("install --user --target /tmp/t x")
    assert "--user" in request.install_options and "--target=/tmp/t" in request.install_options


def test_how_to_install_is_kept_for_the_install_of_the_checked_files():
    request = parse_command("install --force-reinstall -I --no-compile --report r.json --config-settings k=v -q six")
    assert set(request.install_options) == {"--force-reinstall", "--ignore-installed", "--no-compile", "--report=r.json",
                                            "--config-settings=k=v", "-q"}
    assert parse_command("install six").install_options == ()


@pytest.mark.parametrize("line", ["--cache-dir list install six", "--proxy http://127.0.0.1:9 install six",
                                  "install six # the usual one", "install -- six"])
def test_global_options_with_values_and_comments_still_make_an_install(line):
    request = parse_command(line)
    assert isinstance(request, InstallRequest) and [r.name for r in request.requirements] == ["six"]
    assert "--" not in request.pip_args and "#" not in " ".join(request.pip_args)


@pytest.mark.parametrize("line", ["list", "show pandas", "uninstall -y pandas", "freeze", "-q list", "--version",
                                  "--proxy http://127.0.0.1:9 list"])
def test_other_subcommands_pass_through(line):
    assert isinstance(parse_command(line), PassThrough)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("install", "nothing to install"),
        ("install 'pan das'", "invalid requirement 'pan das'"),
        ("install x==", "invalid requirement 'x=='"),
        ("install --no-such-option x", "no such option"),
        ("install 'unclosed", "cannot split"),
        ("frobnicate x", "unknown pip command"),
        ("download x", "can build packages unchecked"),
        ("lock ./x.tar.gz", "can build packages unchecked"),
        ("-q", "no pip command"),
        ("install -r /nonexistent/requirements.txt", "Could not open requirements file"),
        ("install ./nonexistent-1.0.tar.gz", "no such file or directory"),
        ("install " + "a" * 5000, "a project name of 5,000 characters"),
        ("install --index-url garbage x", "--index-url garbage: not an http(s) or file URL"),
        ("install --extra-index-url http://[::1 x", "Invalid IPv6 URL"),
        ("install -r http://127.0.0.1:9/requirements.txt", "Failed to connect to 127.0.0.1 while fetching"),
        ("install file:///nonexistent/x-1.0-py3-none-any.whl", "no such file or directory"),
        ("install -e /nonexistent/project", "no such file or directory"),
    ],
)
def test_bad_input_is_a_one_line_error(line, expected):
    with pytest.raises(RequestError) as info:
        parse_command(line)
    message = str(info.value)
    assert expected in message
    assert "\n" not in message


def test_bad_line_inside_a_requirements_file_names_the_file(tmp_path: Path):
    req = tmp_path / "requirements.txt"
    req.write_text("good==1\nbad name here\n")
    with pytest.raises(RequestError) as info:
        parse_command(["install", "-r", str(req)])
    assert "requirements.txt" in str(info.value)


def test_multi_line_command_is_refused():
    with pytest.raises(RequestError, match="one line"):
        parse_command("install x\ninstall y")


def test_an_unknown_option_in_a_requirements_file_is_one_clean_line(tmp_path: Path, capfd):
    req = tmp_path / "requirements.txt"
    req.write_text("tidyframe\n--upgarde\n")
    with pytest.raises(RequestError) as info:
        parse_command(["install", "-r", str(req)])
    assert str(info.value) == f"{req}: no such option: --upgarde (in the line '--upgarde')"
    assert "Usage:" not in capfd.readouterr().err
