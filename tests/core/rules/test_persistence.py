"""Persistence rule: crontab, shell rc files, startup folders, Run keys, systemd, LaunchAgents."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel, severity

BAD = [
    "import os\nopen(os.path.expanduser('~/.bashrc'), 'a').write('x')\n",
    "import subprocess\nsubprocess.run('(crontab -l; echo \"@reboot x\") | crontab -', shell=True)\n",
    "KEY = r'Software\\Microsoft\\Windows\\CurrentVersion\\Run'\n",
    "p = '/etc/systemd/system/demo.service'\n",
    "p = '~/Library/LaunchAgents/com.demo.plist'\n",
]


@pytest.mark.parametrize("bad", BAD)
def test_persistence_fires(tmp_path: Path, bad: str) -> None:
    assert severity(scan_wheel(tmp_path, {"demo/mod.py": bad}), "persistence") is not None


def test_benign_twin(tmp_path: Path) -> None:
    good = "import os\nopen(os.path.expanduser('~/.demo/config.toml')).read()\n"
    assert severity(scan_wheel(tmp_path, {"demo/mod.py": good}), "persistence") is None


def test_persistence_at_install_time_is_high(tmp_path: Path) -> None:
    setup = "import os\nopen(os.path.expanduser('~/.bashrc'), 'a').write('x')\nfrom setuptools import setup\nsetup()\n"
    assert severity(scan_sdist(tmp_path, {"setup.py": setup}), "persistence") is Severity.HIGH
