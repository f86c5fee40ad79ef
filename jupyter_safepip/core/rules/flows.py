"""Flows from sources to sinks, as data: what a value was computed from, followed into the call that sends it.

A secret read in one place and sent in another (another function, another method, through helpers) is one
flow: the interpreter carries where each value came from, so the rule reads the sink's arguments only.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..analysis.source import Call, Source
from ..analysis.values import ASSEMBLED, Value
from .base import Hit
from .network import EXFIL, PASTE
from .capabilities import CLIPBOARD, CREDENTIAL_PATHS, KEYBOARD, LOOKUPS, NETWORK, SCREEN, SOCKETS, Capability

# Commands that print the whole environment (or the variables' values).
ENVIRONMENT_COMMANDS = re.compile(r"^(?:\S*/)?(?:env|printenv|export -p|declare -x)(?:\s|$)|^set\s*$|Get-ChildItem\s+env:", re.I)
# Commands that print who and which machine this is.
IDENTITY_COMMANDS = re.compile(r"^(?:\S*/)?(?:whoami|hostname|id|logname|uname\s+-[a-z]*n[a-z]*)(?:\s|$)", re.I)
# Who and which machine (not its platform: a download for `uname().machine` names no one).
IDENTITY = frozenset({"getpass.getuser", "socket.gethostname", "socket.getfqdn", "platform.node", "os.getlogin"})
WHOLE_ENVIRONMENT = frozenset({"os.environ", "os.environ.copy", "os.environ.items", "os.environ.values", "os.environb"})


@dataclass(frozen=True)
class Flow:
    """Data of one of `sources` reaching a call of one of `sinks` is a finding of `rule_id`; `fixed_destination`:
    only when the call's address is written in the code (an API client sending its token to a configured URL
    is not a flow)."""

    rule_id: str
    sources: frozenset[str]
    sinks: tuple[Capability, ...]
    fixed_destination: bool = False
    needs_assembled: bool = False  # the sink's argument was put together from the data (a DNS name)
    at_least: int = 1  # distinct source names that must reach the sink
    drop_site: bool = False  # only when the address is a paste, webhook or request-capture service
    capture_site: bool = False  # only when the address is someone's request-capture or tunnel endpoint


FLOWS = (
    Flow("secrets-exfiltration", frozenset({"credentials"}), (NETWORK, SOCKETS), fixed_destination=True),
    Flow("secrets-exfiltration", frozenset({"environment", "screen", "clipboard", "keyboard"}), (NETWORK, SOCKETS)),
    # A single variable sent to an API is what its client does; to a paste or capture service from code that
    # runs by itself (install, import, start-up) it is a leak (a paste tool's own API key, sent when asked, is not).
    Flow("secrets-env-to-drop-site", frozenset({"env-item"}), (NETWORK, SOCKETS), drop_site=True),
    # Who and where you are (user, host name) sent out: telemetry in library code, a beacon at install or import.
    Flow("secrets-host-beacon", frozenset({"host"}), (NETWORK, SOCKETS)),  # (not a lookup of its own name)
    # Nothing honest sends a secret or who you are to a capture endpoint, wherever the code runs.
    Flow("secrets-to-capture-service", frozenset({"environment", "env-item", "credentials", "host", "clipboard"}),
         (NETWORK, SOCKETS), capture_site=True),
    Flow("network-dns-exfiltration", frozenset({"environment", "credentials", "clipboard", "keyboard"}),
         (LOOKUPS,), needs_assembled=True),
)


def source_kinds(value: Value) -> dict[str, str]:
    """The kinds of sensitive data a value was computed from, each with the name that brought it."""
    kinds: dict[str, str] = {}
    for name in value.origins | value.refs:
        kind = _kind(name)
        if kind is not None:
            kinds.setdefault(kind, name)
    return kinds


def _source_names(value: Value, wanted: frozenset[str]) -> set[str]:
    return {name for name in value.origins | value.refs if _kind(name) in wanted}


def _kind(name: str) -> str | None:
    if name in WHOLE_ENVIRONMENT:
        return "environment"
    if name.startswith(("os.environ", "os.getenv")):
        return "env-item"
    if name.startswith("<file ") and CREDENTIAL_PATHS.search(name):
        return "credentials"
    if name.startswith("<command ") and ENVIRONMENT_COMMANDS.match(name[9:-1].strip()):
        return "environment"
    if name.startswith("<command ") and IDENTITY_COMMANDS.match(name[9:-1].strip()):
        return "host"
    if name.removesuffix("()").endswith("list_running_servers"):  # Jupyter servers with their tokens
        return "credentials"
    if name.removesuffix("()") in IDENTITY:
        return "host"
    for kind, capability in (("screen", SCREEN), ("clipboard", CLIPBOARD), ("keyboard", KEYBOARD)):
        if capability.matches(name.removesuffix("()")):
            return kind
    return None


def match(source: Source) -> Iterator[Hit]:
    reported: set[str] = set()
    for call in source.calls:
        if call.node is None:
            continue
        for flow in FLOWS:
            if flow.rule_id in reported or not any(s.matches(call.name) for s in flow.sinks):
                continue
            hit = _flow_hit(source, call, flow)
            if hit is not None:
                reported.add(flow.rule_id)
                yield hit


def _flow_hit(source: Source, call: Call, flow: Flow) -> Hit | None:
    assert call.node is not None
    arguments = [*call.node.args, *(k.value for k in call.node.keywords)]
    values = [source.value(a, call.scope) for a in arguments]
    if flow.fixed_destination and not _fixed_destination(values):
        return None
    # the address as far as it is known, and the text written into it (a capture URL with a token appended)
    address = [*values[0].texts_deep, *_written_text(arguments[0])] if values else []
    if flow.drop_site and not any(PASTE.search(t) or EXFIL.search(t) for t in address):
        return None
    if flow.capture_site and not any(map(EXFIL.search, address)):
        return None
    for value in values:
        if flow.needs_assembled and ASSEMBLED not in value.origins:
            continue
        kinds = {k: n for k, n in source_kinds(value).items() if k in flow.sources}
        if kinds and len(_source_names(value, flow.sources)) >= flow.at_least:
            kind, name = sorted(kinds.items())[0]
            origin = _line_of(source, name)
            chain = f"{kind} from {name.strip('<>')}{f' (line {origin})' if origin else ''} -> {call.name} (line {call.line})"
            return Hit(flow.rule_id, source.path, call.line, chain, call.scope)
    return None


def _written_text(node: ast.expr) -> list[str]:
    return [n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)]


def _fixed_destination(values: list[Value]) -> bool:
    first = values[0] if values else None
    return first is not None and any(t.startswith(("http://", "https://", "ftp://")) or t.count(".") >= 1
                                     for t in first.texts_deep)


def _line_of(source: Source, name: str) -> int | None:
    """Where the data came from: the first call of the source (a value read from a file: the open)."""
    wanted = "open" if name.startswith("<file ") else name
    return next((c.line for c in source.calls if c.name == wanted or c.name.startswith(wanted + ".")), None)
