"""Network: web requests, download-and-execute, hard-coded IPs, raw sockets, exfiltration and paste sinks."""

from __future__ import annotations

import ast
import ipaddress
import re
from collections.abc import Iterator

from .base import Hit
from .obfuscation import EXEC_NAMES
from ..analysis.source import DECODED_LITERAL, Call, Source, feeders, shorten
from .capabilities import DESERIALIZE, NETWORK, PROCESS, SOCKETS

CHMOD = frozenset({"os.chmod", "pathlib.Path().chmod", "os.fchmod"})
SAVERS = frozenset({"urlretrieve", "download"})
WRITERS = frozenset({"shutil.copyfileobj", "pathlib.Path().write_bytes", "pathlib.Path().write_text"})
EXECUTABLE_BITS = 0o111
_EXEC_MODE_NAMES = ("S_IX", "S_IEXEC", "S_IRWXU", "S_IRWXG", "S_IRWXO")
# Services whose main use is capturing requests or tunnelling to a private machine.
EXFIL = re.compile(
    r"webhook\.site|requestbin|pipedream\.net|interact\.sh|\.oast\.(?:pro|live|site|online|fun|me)|burpcollaborator|"
    r"canarytokens|\.ngrok(?:-free)?\.(?:io|app|dev)\b|hookbin|beeceptor|dnslog\.cn|ceye\.io|mockapi\.io|requestcatcher|webhook\.cool|"
    r"\.interactsh|serveo\.net|localhost\.run|iplogger\.(?:org|com|ru|co|info)|grabify\.link|\b2no\.co\b|blasze\.",
    re.IGNORECASE,
)
# Chat webhooks/bots, paste and file-drop services: legitimate integrations exist, so they weigh less alone.
PASTE = re.compile(
    r"discord(?:app)?\.com/api/webhooks|api\.telegram\.org/bot|hooks\.slack\.com/services|"
    r"pastebin\.com|paste\.ee|hastebin|ghostbin|rentry\.co|transfer\.sh|//file\.io|anonfiles|gofile\.io|catbox\.moe|"
    r"0x0\.st|termbin|dpaste|controlc\.com|bashupload|temp\.sh|cdn\.discordapp\.com/attachments|paste\.c-net|"
    r"filetransfer\.io|pastes\.io|privatebin|filebin\.net|mediafire\.com|mega\.nz",
    re.IGNORECASE,
)
# Public DNS resolvers: connecting a UDP socket to one is the usual way to learn the local address.
RESOLVERS = frozenset({"8.8.8.8", "8.8.4.4", "1.1.1.1", "1.0.0.1", "9.9.9.9", "208.67.222.222"})
_IP_URL = re.compile(r"\b[a-z][a-z0-9+.-]*://(\d{1,3}(?:\.\d{1,3}){3})(?::\d+)?(?:[/?\s'\"]|$)", re.IGNORECASE)
_ANY_IP = re.compile(r"\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}")
_BARE_IP = re.compile(r"^(\d{1,3}(?:\.\d{1,3}){3})$")


def is_fetch(name: str) -> bool:
    return NETWORK.matches(name)


def match(source: Source) -> Iterator[Hit]:
    fetch_scopes: set[int] = set()
    for call in source.calls:
        if is_fetch(call.name):
            fetch_scopes.add(call.scope)
            yield Hit("network-fetch", source.path, call.line, source.snippet(call.line), call.scope)
            if _hidden_url(source, call):
                yield Hit("network-hidden-url", source.path, call.line, source.snippet(call.line), call.scope)
        elif SOCKETS.matches(call.name):
            fetch_scopes.add(call.scope)  # what a raw socket receives may be run too
            yield Hit("network-raw-socket", source.path, call.line, source.snippet(call.line), call.scope)
    yield from _download_exec(source, fetch_scopes)
    yield from _literals(source)


def _hidden_url(source: Source, call: Call) -> bool:
    """The address is decoded from an encoded literal right before use."""
    if call.node is None:
        return False
    targets = call.node.args[:1] + [k.value for k in call.node.keywords if k.arg == "url"]
    return any(DECODED_LITERAL in feeders(source, target, call.scope) for target in targets)


def _download_exec(source: Source, fetch_scopes: set[int]) -> Iterator[Hit]:
    """Executing a response, or fetch, then write, then run, in that order in one place."""
    if not fetch_scopes:
        return
    fetches = [(c.scope, c.line) for c in source.calls if is_fetch(c.name)]
    saves = [(c.scope, c.line) for c in source.calls if c.name.rsplit(".", 1)[-1] in SAVERS]
    writes = [
        (c.scope, c.line) for c in source.calls
        if c.name in WRITERS or c.name.endswith(".write") or (c.name == "open" and _opens_for_writing(c))
    ]
    for call in source.calls:
        runs = PROCESS.matches(call.name) or (call.name in CHMOD and _makes_executable(source, call))
        if call.name not in EXEC_NAMES and not DESERIALIZE.matches(call.name) and not runs:
            continue
        fed: set[str] = set()
        if call.node is not None:
            for arg in list(call.node.args) + [k.value for k in call.node.keywords]:
                fed |= feeders(source, arg, call.scope)
        place = {call.scope} | (source.import_time if call.scope in source.import_time else set())
        before = [line for scope, line in fetches if scope in place and line <= call.line]
        saved = any(scope in place and line <= call.line for scope, line in saves)
        written = bool(before) and any(scope in place and min(before) <= line <= call.line for scope, line in writes)
        if any(is_fetch(name) or SOCKETS.matches(name) for name in fed) or (runs and (saved or written)):
            yield Hit("network-download-exec", source.path, call.line, source.snippet(call.line), call.scope)
            return


def _makes_executable(source: Source, call: Call) -> bool:
    """chmod to a mode with execute bits (0o755, stat.S_IEXEC); 0o644 or a mode computed from a umask is not."""
    if call.node is None:
        return True
    mode = call.node.args[1] if len(call.node.args) > 1 else next((k.value for k in call.node.keywords if k.arg == "mode"), None)
    if mode is None:
        return False
    value = source.value(mode, call.scope)
    if any(isinstance(c, int) and c & EXECUTABLE_BITS for c in value.consts):
        return True
    return any(isinstance(n, ast.Attribute) and n.attr.startswith(_EXEC_MODE_NAMES) for n in ast.walk(mode))


def _opens_for_writing(call: Call) -> bool:
    if call.node is None or len(call.node.args) < 2:
        return False
    mode = call.node.args[1]
    return isinstance(mode, ast.Constant) and isinstance(mode.value, str) and bool(set(mode.value) & set("wax"))


def _literals(source: Source) -> Iterator[Hit]:
    for rule, pattern in (("network-exfil-sink", EXFIL), ("network-paste-sink", PASTE)):
        for literal in source.literals_matching(pattern):
            yield Hit(rule, source.path, literal.line, shorten(literal.value), literal.scope)
            break
    call_lines = {c.line for c in source.calls if is_fetch(c.name) or SOCKETS.matches(c.name) or c.name.endswith("connect")}
    for literal in source.literals_matching(_ANY_IP):
        value = literal.value[:2000]
        found = _IP_URL.search(value) or (literal.line in call_lines and _BARE_IP.match(value.strip()))
        if found and _is_public(found.group(1)) and found.group(1) not in RESOLVERS:
            yield Hit("network-hardcoded-ip", source.path, literal.line, shorten(value), literal.scope)
            return


def _is_public(text: str) -> bool:
    try:
        return ipaddress.ip_address(text).is_global
    except ValueError:
        return False
