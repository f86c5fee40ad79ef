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


def test_nested_requirement_files_and_constraints(tmp_path: Path):
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


def test_paths_urls_and_vcs_are_locations():
    request = parse_command("install ./dist/pkg-1.0.tar.gz git+https://127.0.0.1/repo.git#egg=Repo_Name")
    archive, vcs = request.requirements
    assert archive.name is None and archive.url == "./dist/pkg-1.0.tar.gz"
    assert vcs.name == "repo-name" and vcs.url.startswith("git+")


def test_install_locations_are_recorded():
    request = parse_command("install --user --target /tmp/t x")
    assert "--user" in request.target_options and "--target=/tmp/t" in request.target_options


@pytest.mark.parametrize("line", ["list", "show pandas", "uninstall -y pandas", "freeze", "-q list"])
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
        ("-q", "no pip command"),
        ("install -r /nonexistent/requirements.txt", "Could not open requirements file"),
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
