"""Every behaviour rule: id, family, severity where library code runs, severity at install time, explanation.

Library code runs only when the package is imported; install-time code (setup.py, cmdclass hooks, in-tree
build backends, .pth files) runs as soon as pip touches the package, so the same behaviour weighs more there.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model import Severity

I, L, M, H, C = Severity.INFO, Severity.LOW, Severity.MEDIUM, Severity.HIGH, Severity.CRITICAL


@dataclass(frozen=True)
class Rule:
    """One behaviour the scanner can report."""

    id: str
    family: str  # archive, install, obfuscation, network, shell, secrets, persistence, binary, metadata, combined
    library: Severity
    install: Severity
    explanation: str


_TABLE = [
    # Archive structure: pip or an unpacker could be tricked; nothing legitimate needs these.
    ("archive-path-traversal", "archive", H, H, "A file name in the archive points outside the install directory (absolute path or '..')."),
    ("archive-link-escape", "archive", H, H, "The archive contains a link to a location outside itself."),
    ("archive-link", "archive", L, L, "The archive contains a symbolic or hard link."),
    ("archive-special-file", "archive", H, H, "The archive contains a device file, pipe or socket."),
    ("archive-duplicate-name", "archive", M, M, "Two files in the archive have the same name, so what gets installed is ambiguous."),
    ("archive-bomb", "archive", H, H, "The archive inflates to an absurd size (a compression bomb)."),
    ("archive-too-many-members", "archive", M, M, "The archive holds more files than can be inspected."),
    ("archive-nested", "archive", I, I, "The package contains another archive, which was inspected too."),
    ("archive-nested-unreadable", "archive", M, M, "The package contains an archive that could not be opened."),
    ("archive-nested-structure", "archive", I, I, "An archive inside the package holds a link, device file or repeated name; pip never unpacks it."),
    # Install-time execution.
    ("install-code-in-setup", "install", I, L, "setup.py runs code of its own besides calling setup(); it runs during pip install."),
    ("install-cmdclass-override", "install", I, L, "setup.py replaces pip's install/develop/egg_info/build steps with its own code."),
    ("install-backend-in-tree", "install", I, L, "pyproject.toml builds the package with code shipped inside the package itself (backend-path)."),
    ("install-pth-executable", "install", L, L, "A .pth file has code that Python runs on every interpreter start."),
    ("install-startup-module", "install", L, L, "The package ships sitecustomize.py or usercustomize.py, which Python runs on every start."),
    ("install-jupyter-kernel-command", "install", H, H, "The package installs a Jupyter kernel that starts a program other than Python (a shell, a downloader) every time the kernel starts."),
    ("install-jupyter-hook", "install", I, I, "The package installs a Jupyter kernel or switches on a Jupyter server extension: its code runs whenever Jupyter starts."),
    ("install-command-shadowing", "install", H, H, "The package installs a command named like a common tool (python, pip, git...), so typing that tool runs its code."),
    ("install-runs-pip", "install", L, H, "The code installs other packages by calling pip itself."),
    ("install-runs-pip-url", "install", M, C, "The code calls pip itself to install a package from a web address or another index, past the checks of this install."),
    # Obfuscation.
    ("obfuscation-exec-decoded", "obfuscation", H, C, "Code is decoded (base64, hex, zlib, marshal, rot13, reversed, chr codes) and then executed."),
    ("obfuscation-decode", "obfuscation", I, L, "The code decodes base64, hex or marshal data."),
    ("obfuscation-exec-dynamic", "obfuscation", I, L, "Code built at run time is executed with exec/eval/compile."),
    ("obfuscation-builtins-lookup", "obfuscation", M, H, "Built-in functions are looked up by computed names, a way to hide what is called."),
    ("obfuscation-chr-join", "obfuscation", L, M, "Text is assembled from character codes, a way to hide strings."),
    ("obfuscation-long-line", "obfuscation", L, M, "A source line is extremely long, typical of packed or obfuscated code."),
    ("obfuscation-high-entropy", "obfuscation", L, M, "A long random-looking string literal (encoded or encrypted data) is embedded in the code."),
    ("obfuscation-exec-alias", "obfuscation", L, H, "exec/eval/compile is passed around under another name instead of being called, a way to hide what runs."),
    ("obfuscation-escaped-text", "obfuscation", L, H, "Plain text is written as hundreds of \\x or octal escapes, hiding it from a reader."),
    ("obfuscation-mangled-names", "obfuscation", L, M, "Variables have deliberately unreadable names (only underscores, I/l/1 mixes, random symbols)."),
    ("obfuscation-hidden-by-whitespace", "obfuscation", H, C, "Code is pushed far off-screen to the right with whitespace, hiding it from a reader."),
    ("obfuscation-computed-name", "obfuscation", M, H, "A program runner, exec or a network call is reached by a name put together at run time (getattr(os, 'sys' + 'tem')), a way to hide what is called."),
    ("obfuscation-tangled-flow", "obfuscation", M, H, "Data passes through so many variables that it could not be followed to the end, a way to hide what runs."),
    ("combined-obfuscated", "obfuscation", H, C, "One file uses several obfuscation techniques at once: its real behaviour is deliberately hidden."),
    # Network.
    ("network-download-exec", "network", H, C, "Code downloads something and then runs it, writes it as a program or executes the response."),
    ("network-fetch", "network", I, M, "The code makes web requests."),
    ("network-hidden-url", "network", M, H, "A web address is kept encoded (base64, hex...) and decoded just before it is contacted."),
    ("network-hardcoded-ip", "network", M, H, "The code connects to a hard-coded public IP address."),
    ("network-raw-socket", "network", I, M, "The code opens raw network sockets."),
    ("network-exfil-sink", "network", M, C, "The code talks to a request-capture or tunnelling service, often used to receive stolen data."),
    ("network-paste-sink", "network", L, H, "The code uses a chat webhook, paste or file-drop service, often used to host payloads or receive stolen data."),
    # Shell.
    ("shell-exec", "shell", I, M, "The code runs shell commands or other programs."),
    ("shell-exec-tool", "shell", I, L, "The code runs a common build or version-control tool (git, make, a compiler...)."),
    ("shell-hidden", "shell", L, H, "A program is started hidden: detached, without a window or with its output discarded."),
    ("shell-suspicious-command", "shell", L, H, "A shell command downloads, decodes or launches something (curl, wget, powershell, certutil...)."),
    ("shell-dropper-command", "shell", H, C, "A shell command runs what it downloads (piped or saved first), opens a reverse shell or runs encoded PowerShell."),
    ("shell-reverse", "shell", H, C, "A program's input and output are tied to a network connection (a reverse shell): whoever is at the other end controls this machine."),
    # Secrets.
    ("secrets-env-dump", "secrets", L, M, "The code collects all environment variables (which often hold tokens and passwords)."),
    ("secrets-credentials", "secrets", L, H, "The code refers to SSH keys, cloud or package-index credentials."),
    ("secrets-browser-messenger", "secrets", M, C, "The code reads browser profiles, saved passwords, Discord/Telegram tokens or crypto wallets."),
    ("secrets-system-files", "secrets", L, M, "The code reads system account files such as /etc/passwd or /etc/shadow."),
    ("secrets-clipboard", "secrets", I, M, "The code reads or replaces the clipboard."),
    ("secrets-clipboard-hijack", "secrets", H, C, "The code puts a fixed crypto-currency address on the clipboard, so that a payment goes to it instead of to the address the user copied."),
    ("secrets-screen", "secrets", L, H, "The code takes screenshots of your screen."),
    ("secrets-keyboard", "secrets", M, C, "The code listens to the keyboard (what you type, passwords included)."),
    ("secrets-host-recon", "secrets", I, L, "The code gathers host details (user name, host name, public IP) of the machine."),
    # Persistence.
    ("persistence", "persistence", L, H, "The code can make itself start again later (crontab, shell rc file, startup folder, Run key, systemd, LaunchAgent)."),
    ("persistence-write", "persistence", L, C, "The code writes into a place from which programs start by themselves (a shell rc file, the Startup folder, a Run key, a systemd unit, a .pth file)."),
    ("persistence-dropper", "persistence", H, C, "The code writes a command that downloads or runs something, or Python code, into a place from which it starts by itself later."),
    # Bundled programs.
    ("binary-disguised", "binary", H, H, "A native program (ELF/PE/Mach-O) is hidden under a non-program file name."),
    ("binary-bytecode-only", "binary", M, M, "The package ships compiled Python (.pyc) without its source: Python runs it, but what it does cannot be read."),
    ("binary-in-pure-package", "binary", L, L, "A package that declares itself pure Python ships native programs."),
    # Metadata inside the archive.
    ("metadata-name-mismatch", "metadata", M, M, "The name inside the archive differs from the package that was requested."),
    ("metadata-version-mismatch", "metadata", L, L, "The version inside the archive differs from the version that was requested."),
    # Combinations: several families in the same code.
    ("combined-install-behaviour", "combined", H, C, "Install-time code combines three or more risky behaviours (shell, network, decoding, secrets...)."),
    ("combined-install-pair", "combined", M, H, "Install-time code combines hidden or secret-seeking behaviour with another risky one."),
    ("combined-stealer", "combined", H, H, "The code both collects secrets and sends data over the network."),
    ("combined-beacon", "combined", H, H, "On import, the code sends details of your machine (user, host name, addresses) over the network."),
    ("secrets-exfiltration", "secrets", H, C, "Secrets (the whole environment, a credential file, the screen, the clipboard or keystrokes) are sent over the network."),
    ("secrets-env-to-drop-site", "secrets", L, C, "An environment variable (often a token or a key) is sent to a paste, webhook or request-capture service."),
    ("secrets-host-beacon", "secrets", L, C, "Details of this machine (user name, host name) are sent over the network, as dependency-confusion beacons do."),
    ("network-dns-exfiltration", "network", M, C, "Data from your machine is put into a host name that is looked up, a way to send it out through DNS."),
    ("shell-injection", "shell", M, C, "The code writes into or starts threads in memory it allocated or in another process (WriteProcessMemory, CreateRemoteThread...), as shellcode loaders do."),
    ("secrets-sent", "secrets", M, H, "Private keys, passwords, seed phrases or similar secrets are sent to a hard-coded web address."),
    ("secrets-to-capture-service", "secrets", H, C, "Secrets or who you are (a private key, a password, a token, user and host name) are sent to a request-capture or tunnel address."),
]

RULES: dict[str, Rule] = {row[0]: Rule(*row) for row in _TABLE}


def rule(rule_id: str) -> Rule:
    """The rule with this id (KeyError for a typo, which tests catch)."""
    return RULES[rule_id]
