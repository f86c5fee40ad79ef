"""Idioms of popular, legitimate packages that look suspicious out of context: none may warn or block."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel, worst

LIBRARY_IDIOMS = {
    "local address via a resolver": "import socket\ndef ip():\n    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n    s.connect(('8.8.8.8', 80))\n    return s.getsockname()[0]\n",
    "environment copied for a child": "import os, subprocess\ndef run():\n    env = os.environ.copy()\n    env['LC_ALL'] = 'C'\n    subprocess.run(['ls'], env=env)\n",
    "builtins looked up by name": "import builtins\ndef lookup(name):\n    return getattr(builtins, name)\n",
    "paramiko-style key paths": "import os\nDEFAULT = os.path.expanduser('~/.ssh/id_rsa')\n",
    "decoding a plugin's input": "import base64\ndef load(blob):\n    exec(base64.b64decode(blob).decode(), {})\n",
    "reversing a list": "def last_first(items):\n    parts = items[::-1]\n    return eval(repr(parts))\n",
    "telemetry opt-in post": "import requests\ndef report(stats):\n    requests.post('https://example.invalid/stats', json=stats, timeout=2)\n",
    "docstring mentioning webhooks": '"""Post to https://discord.com/api/webhooks/<id>/<token> or pastebin.com."""\n',
    "chat integration": "import requests\ndef notify(token, chat, text):\n    requests.post(f'https://api.telegram.org/bot{token}/sendMessage', data={'chat_id': chat, 'text': text})\n",
}

SETUP_IDIOMS = {
    "version from git": "import subprocess\nfrom setuptools import setup\nrev = subprocess.check_output(['git', 'describe', '--tags']).decode().strip()\nsetup(name='demo', version=rev)\n",
    "version file exec": "from setuptools import setup\nabout = {}\nexec(open('demo/__about__.py').read(), about)\nsetup(name='demo', version=about['__version__'])\n",
    "compiled extension": (
        "from setuptools import setup, Extension\nfrom setuptools.command.build_ext import build_ext\nimport subprocess\n"
        "class Build(build_ext):\n    def run(self):\n        subprocess.check_call(['cmake', '.'])\n        build_ext.run(self)\n"
        "setup(name='demo', cmdclass={'build_ext': Build}, ext_modules=[Extension('demo._c', ['c.c'])])\n"
    ),
}


@pytest.mark.parametrize("code", LIBRARY_IDIOMS.values(), ids=LIBRARY_IDIOMS.keys())
def test_library_idioms_stay_below_warn(tmp_path: Path, code: str) -> None:
    assert worst(scan_wheel(tmp_path, {"demo/mod.py": code})) < Severity.MEDIUM


@pytest.mark.parametrize("code", SETUP_IDIOMS.values(), ids=SETUP_IDIOMS.keys())
def test_setup_idioms_stay_below_warn(tmp_path: Path, code: str) -> None:
    assert worst(scan_sdist(tmp_path, {"setup.py": code})) < Severity.MEDIUM


def test_namespace_package_pth_stays_below_warn(tmp_path: Path) -> None:
    nspkg = (
        "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], "
        "*('demo',));importlib = has_mfs and __import__('importlib.util');m = has_mfs and "
        "sys.modules.setdefault('demo', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('demo', [os.path.dirname(p)])))\n"
    )
    assert worst(scan_wheel(tmp_path, {"demo-nspkg.pth": nspkg})) < Severity.MEDIUM
