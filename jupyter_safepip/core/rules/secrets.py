"""Secrets harvesting: environment dumps, credential files, browser/messenger/wallet data, clipboard, host recon."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from .base import Hit
from ..analysis.source import Source, shorten, words_of
from .capabilities import CLIPBOARD, CLIPBOARD_WRITES, HOST, KEYBOARD, SCREEN
from .network import EXFIL

CREDENTIALS = re.compile(
    r"\.ssh[/\\]|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.aws[/\\]credentials|\.azure[/\\]|\.config[/\\]gcloud|"
    r"\.pypirc|\.git-credentials|\.docker[/\\]config\.json|\.kube[/\\]config|\.npmrc",
    re.IGNORECASE,
)
BROWSER_MESSENGER = re.compile(
    r"Login Data|Local State|Web Data|User Data[/\\]+Default|Google[/\\]+Chrome|BraveSoftware|Opera Software|"
    r"Yandex[/\\]+YandexBrowser|Microsoft[/\\]+Edge|Mozilla[/\\]+Firefox|Firefox[/\\]+Profiles|"
    r"Local Storage[/\\]+leveldb|Telegram Desktop|[/\\]tdata\b|"
    r"wallet\.dat|[/\\]Exodus[/\\]|exodus\.wallet|Electrum[/\\]+wallets|[/\\]\.electrum\b|Atomic[/\\]+Local Storage|MetaMask|nkbihfbeogaeaoehlefnkodbefgpgknn|"
    r"Ethereum[/\\]+keystore|dQw4w9WgXcQ|\[\\w-\]\{24\}|mfa\\?\.\[\\w-\]\{84\}|[dD]iscord(?:app)?\.com/api/v\d+/users/@me|"
    r"[dD]iscord(?:canary|ptb)?[/\\]+Local Storage",
)
SYSTEM_FILES = re.compile(r"(?<![\w/.])/etc/(?:passwd|shadow|sudoers)\b|\\config\\SAM\b")
RECON_SITES = re.compile(r"api\.ipify\.org|ipinfo\.io|ifconfig\.me|icanhazip|checkip\.|ip-api\.com|myexternalip|wtfismyip", re.I)
CLIPBOARD_COMMANDS = re.compile(r"\b(?:xclip|xsel|pbpaste|pbcopy|Get-Clipboard)\b")
DUMPERS = frozenset({"json.dumps", "str", "repr", "print", "pickle.dumps", "base64.b64encode"})
SENDERS = ("requests.post", "requests.put", "requests.get", "httpx.post", "httpx.get", "urllib.request.urlopen", "urllib.request.Request")
WALLET_SECRETS = re.compile(r"private_?key|privkey|mnemonic|seed_?phrase")  # never sent anywhere by honest code
SECRET_WORDS = re.compile(r"secret_?key|^sk$|^ak$|passw(?:or)?d")
_ENV = frozenset({"os.environ", "os.environ.items()", "os.environ.copy()"})
# A crypto-currency address (Bitcoin legacy and bech32, Ethereum, Monero, Tron, Litecoin): what clippers put on the
# clipboard in place of the one the user copied.
WALLET_ADDRESS = re.compile(
    r"^(?:bc1[ac-hj-np-z02-9]{25,87}|[13][a-km-zA-HJ-NP-Z1-9]{25,34}|0x[0-9a-fA-F]{40}|4[0-9AB][1-9A-HJ-NP-Za-km-z]{93}|"
    r"T[1-9A-HJ-NP-Za-km-z]{33}|ltc1[ac-hj-np-z02-9]{25,87}|[LM][a-km-zA-HJ-NP-Z1-9]{26,33})$")


def match(source: Source) -> Iterator[Hit]:
    seen: set[str] = set()
    for rule, pattern in (
        ("secrets-browser-messenger", BROWSER_MESSENGER),
        ("secrets-credentials", CREDENTIALS),
        ("secrets-system-files", SYSTEM_FILES),
        ("secrets-host-recon", RECON_SITES),
        ("secrets-clipboard", CLIPBOARD_COMMANDS),
    ):
        for literal in source.literals_matching(pattern):
            seen.add(rule)
            yield Hit(rule, source.path, literal.line, shorten(literal.value), literal.scope)
            break
    for line in source.env_iterations[:1]:
        seen.add("secrets-env-dump")
        yield Hit("secrets-env-dump", source.path, line, source.snippet(line))
    for call in source.calls:
        if "secrets-clipboard-hijack" not in seen and _puts_wallet_on_clipboard(source, call.name, call.node, call.scope):
            seen.add("secrets-clipboard-hijack")
            yield Hit("secrets-clipboard-hijack", source.path, call.line, source.snippet(call.line), call.scope)
        sent = _secret_sent(source, call.name, call.node, call.scope) if "secrets-sent" not in seen else None
        if sent is not None:
            seen.add("secrets-sent")
            yield Hit(sent, source.path, call.line, source.snippet(call.line), call.scope)
        for rule, capability in (("secrets-clipboard", CLIPBOARD), ("secrets-screen", SCREEN), ("secrets-keyboard", KEYBOARD)):
            if rule not in seen and capability.matches(call.name):
                seen.add(rule)
                yield Hit(rule, source.path, call.line, source.snippet(call.line), call.scope)
        if "secrets-host-recon" not in seen and HOST.matches(call.name):
            seen.add("secrets-host-recon")
            yield Hit("secrets-host-recon", source.path, call.line, source.snippet(call.line), call.scope)
        elif "secrets-env-dump" not in seen and _dumps_environ(source, call.name, call.node):
            seen.add("secrets-env-dump")
            yield Hit("secrets-env-dump", source.path, call.line, source.snippet(call.line), call.scope)


def _puts_wallet_on_clipboard(source: Source, name: str, node: ast.Call | None, scope: int) -> bool:
    """A fixed wallet address written onto the clipboard (a clipper swapping the address the user copied)."""
    if node is None or not node.args or not CLIPBOARD_WRITES.matches(name):
        return False
    return any(WALLET_ADDRESS.match(text.strip()) for text in source.value(node.args[-1], scope).texts)


def _secret_sent(source: Source, name: str, node: ast.Call | None, scope: int) -> str | None:
    """The rule for a web request whose payload is built from wallet keys, or from passwords when the address is
    hard-coded: secrets-to-capture-service when that address is a capture or tunnel endpoint."""
    if node is None or not name.startswith(SENDERS) or not node.args:
        return None
    words: set[str] = set()
    for arg in [*node.args[1:], *(k.value for k in node.keywords)]:
        words |= words_of(source, arg, scope)
    url = node.args[0]
    fixed = isinstance(url, ast.Constant) and isinstance(url.value, str) and url.value.startswith(("http://", "https://"))
    if not (any(WALLET_SECRETS.search(word) for word in words) or (fixed and any(SECRET_WORDS.search(w) for w in words))):
        return None
    captured = any(map(EXFIL.search, source.value(url, scope).texts_deep))
    return "secrets-to-capture-service" if captured else "secrets-sent"


def _dumps_environ(source: Source, name: str, node: ast.Call | None) -> bool:
    """Serialising or sending the whole environment (copying it for a subprocess is normal and not matched)."""
    if node is None:
        return False
    sends = name in DUMPERS or name.startswith(("requests.", "httpx.", "urllib.request."))
    if not sends:
        return False
    for arg in list(node.args) + [k.value for k in node.keywords]:
        target = arg.args[0] if isinstance(arg, ast.Call) and source.resolve(arg.func) == "dict" and arg.args else arg
        if source.resolve(target) in _ENV:
            return True
    return False
