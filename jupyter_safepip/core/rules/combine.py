"""Turn hits into findings: weigh each by where its code runs, then add findings for risky combinations."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from ..model import Evidence, Finding, Severity
from ..analysis.reach import Where
from .base import Hit
from .table import RULES, Rule

MAX_EVIDENCE = 5
# Families that count towards a combination; install-* and structural rules only say where code runs.
BEHAVIOUR_FAMILIES = frozenset({"obfuscation", "network", "shell", "secrets", "persistence"})
NOT_COMBINED = frozenset({"obfuscation-exec-dynamic", "shell-exec-tool"})
STRONG_FAMILIES = frozenset({"obfuscation", "secrets", "persistence"})
WEAK_RULES = frozenset({"obfuscation-exec-dynamic", "obfuscation-decode", "network-fetch", "shell-exec", "secrets-host-recon"})
SECRET_RULES = frozenset({"secrets-credentials", "secrets-browser-messenger", "secrets-env-dump", "secrets-system-files",
                          "secrets-screen", "secrets-keyboard"})
STRONG_OBFUSCATION = frozenset({
    "obfuscation-computed-name",
    "obfuscation-exec-decoded", "obfuscation-builtins-lookup", "obfuscation-exec-alias", "obfuscation-escaped-text",
    "obfuscation-chr-join", "obfuscation-hidden-by-whitespace", "obfuscation-mangled-names",
})
SINK_RULES = frozenset({"network-exfil-sink", "network-paste-sink", "network-hardcoded-ip", "network-hidden-url"})
NETWORK_RULES = SINK_RULES | {"network-fetch", "network-raw-socket", "network-download-exec"}
# Behaviours that are unusual in module-level code, which runs as soon as the package is imported.
RAISED_ON_IMPORT = frozenset({
    "shell-exec", "shell-exec-tool", "shell-hidden", "shell-suspicious-command", "network-fetch",
    "secrets-env-dump", "network-raw-socket", "obfuscation-computed-name", "secrets-screen", "install-runs-pip",
})
# Malicious flows: running at import (module level, or a function, decorator or class body it reaches) they
# weigh as much as at install time; a library only does such things when asked.
FLOW_RULES = frozenset({
    "network-download-exec", "secrets-exfiltration", "network-dns-exfiltration", "obfuscation-exec-decoded",
    "shell-dropper-command", "shell-injection", "secrets-keyboard", "persistence-write", "persistence-dropper",
    "install-runs-pip-url", "secrets-env-to-drop-site", "secrets-host-beacon", "shell-reverse",
    "secrets-to-capture-service",
})


def severity_of(rule: Rule, where: Where, hit: Hit) -> Severity:
    """A rule's severity for a hit whose code runs `where`: install time, on import, in a test, or on use."""
    if where is Where.TESTS:
        return Severity(max(rule.library - 2, Severity.INFO))
    if where is Where.TEST_MODULE:
        return Severity(max(rule.library - 1, Severity.INFO))
    if where is Where.STARTUP and rule.family in BEHAVIOUR_FAMILIES and rule.install >= Severity.MEDIUM:
        return Severity(max(rule.install, Severity.HIGH))  # nothing legitimate runs programs or the network at start-up
    # Jupyter's start-up hooks (a server extension, a kernel's module, IPython's config) import the package's code
    # as an import would: weighed as import time, where a server extension's own network set-up is ordinary.
    on_import = where is Where.JUPYTER or (where is Where.LIBRARY and hit.at_import)
    if where not in (Where.LIBRARY, Where.JUPYTER):
        return rule.install
    if on_import and rule.id in FLOW_RULES:
        return rule.install
    if on_import and rule.id in RAISED_ON_IMPORT:
        return Severity(min(rule.library + 1, rule.install))
    return rule.library


def combined(hits: Iterable[tuple[Hit, Where]]) -> list[tuple[Hit, Where]]:
    """Extra hits for combinations: several behaviours at install time, or secrets next to a network sink."""
    extra: list[tuple[Hit, Where]] = []
    install = [(h, w) for h, w in hits if w in (Where.INSTALL, Where.STARTUP)]
    families = {RULES[h.rule_id].family for h, _ in install if h.rule_id not in NOT_COMBINED} & BEHAVIOUR_FAMILIES
    strong = {RULES[h.rule_id].family for h, _ in install if h.rule_id not in WEAK_RULES} & STRONG_FAMILIES
    if len(families) >= 3:
        first = install[0][0]
        extra.append((Hit("combined-install-behaviour", first.path, None, ", ".join(sorted(families))), Where.INSTALL))
    elif len(families) == 2 and strong:
        first = install[0][0]
        extra.append((Hit("combined-install-pair", first.path, None, " + ".join(sorted(families))), Where.INSTALL))
    by_file: dict[tuple[str, Where], list[Hit]] = defaultdict(list)
    for hit, where in hits:
        if where in (Where.LIBRARY, Where.JUPYTER, Where.TEST_MODULE):
            by_file[hit.path, where].append(hit)
    for (path, where), file_hits in by_file.items():
        extra += [(hit, where) for hit in _library_combinations(path, file_hits)]
    return extra


def _library_combinations(path: str, hits: list[Hit]) -> list[Hit]:
    """Secrets next to the network, a machine beacon on import, several obfuscation tricks in one file."""
    rules = {h.rule_id for h in hits}
    found: list[Hit] = []
    secret = [h for h in hits if h.rule_id in SECRET_RULES]
    net = [h for h in hits if h.rule_id in NETWORK_RULES]
    same_place = any(s.scope == n.scope or (s.at_import and n.at_import) for s in secret for n in net)
    # Credentials files read next to a request are what an uploader does (twine and ~/.pypirc); they count as a
    # stealer with a capture or paste address, or when the flow rules saw them sent (secrets-exfiltration).
    only_credentials = {h.rule_id for h in secret} == {"secrets-credentials"}
    if secret and net and ((same_place and not only_credentials) or rules & SINK_RULES or "secrets-browser-messenger" in rules):
        on_import = any(s.at_import for s in secret) and any(n.at_import for n in net)
        found.append(Hit("combined-stealer", path, None, " + ".join(sorted({h.rule_id for h in secret + net})),
                         at_import=on_import))
    recon = [h for h in hits if h.rule_id == "secrets-host-recon" and h.at_import]
    if recon and any(n.at_import for n in net):
        found.append(Hit("combined-beacon", path, None, "host details + network on import"))
    tricks = rules & STRONG_OBFUSCATION
    if len(tricks) >= 2:
        found.append(Hit("combined-obfuscated", path, None, " + ".join(sorted(tricks))))
    return found


def to_findings(hits: list[tuple[Hit, Where]], package: str) -> tuple[Finding, ...]:
    """One finding per rule, at the worst severity any of its hits reached, with the worst places as evidence."""
    hits = hits + combined(hits)
    grouped: dict[str, list[tuple[Severity, Hit, Where]]] = defaultdict(list)
    for hit, where in hits:
        rule = RULES[hit.rule_id]
        grouped[hit.rule_id].append((severity_of(rule, where, hit), hit, where))
    findings = []
    for rule_id, entries in grouped.items():
        entries.sort(key=lambda e: (-e[0], e[1].path, e[1].line or 0))
        worst, _, where = entries[0]
        evidence = tuple(Evidence(h.path, h.line, h.snippet) for _, h, _ in _unique(entries)[:MAX_EVIDENCE])
        message = RULES[rule_id].explanation
        runs = None
        if RULES[rule_id].family not in {"archive", "metadata", "binary"}:
            at_import = where is Where.LIBRARY and entries[0][1].at_import
            message = f"{message} This code {'runs as soon as the package is imported' if at_import else where.value}."
            runs = "import" if at_import else "startup" if where is Where.JUPYTER else where.name.lower()
        findings.append(Finding(rule_id, worst, message, package, evidence, runs=runs))
    findings.sort(key=lambda f: (-f.severity, f.rule_id))
    return tuple(findings)


def _unique(entries: list[tuple[Severity, Hit, Where]]) -> list[tuple[Severity, Hit, Where]]:
    seen: set[tuple[str, int | None]] = set()
    out = []
    for entry in entries:
        key = (entry[1].path, entry[1].line)
        if key not in seen:
            seen.add(key)
            out.append(entry)
    return out
