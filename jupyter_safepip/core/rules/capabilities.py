"""What calls can do, as data: the sinks (running programs or code, loading native code, the network, writing
where things start again) and the sources (secrets, host details, the screen, the clipboard, the keyboard,
the network) that the behaviour rules and the flow rules read. Names are the real dotted names the
interpreter resolves (aliases, computed names and vendored copies already undone).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from ..analysis.values import is_decoder


MAX_KNOWN_NAMES = 1 << 16  # answers each family remembers (a hostile file's million names are forgotten, not kept)


@dataclass(frozen=True, eq=False)  # one object per family: hashed by identity
class Capability:
    """A family of calls: exact dotted names, name prefixes, and last parts of a name (for methods)."""

    id: str
    names: frozenset[str] = frozenset()
    prefixes: tuple[str, ...] = ()
    last: frozenset[str] = frozenset()
    # whether a call of that name belongs to the family: a dict lookup, as every rule asks every family about the
    # same few thousand call names
    matches: Callable[[str], bool] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "matches", _Answers(self).__getitem__)

    def test(self, name: str) -> bool:
        return name in self.names or name.startswith(self.prefixes) or name.rsplit(".", 1)[-1] in self.last


class _Answers(dict):
    """A family's answers by call name, computed when first asked."""

    def __init__(self, capability: Capability) -> None:
        super().__init__()
        self.capability = capability

    def __missing__(self, name: str) -> bool:
        if len(self) >= MAX_KNOWN_NAMES:
            self.clear()
        found = self[name] = self.capability.test(name)
        return found


PROCESS = Capability("process", frozenset({
    "subprocess.Popen", "subprocess.call", "subprocess.run", "subprocess.check_call", "subprocess.check_output",
    "subprocess.getoutput", "subprocess.getstatusoutput", "os.system", "os.popen", "os.startfile",
    "pty.spawn", "commands.getoutput", "popen2.popen2", "asyncio.create_subprocess_shell",
    "asyncio.create_subprocess_exec", "win32api.ShellExecute", "win32api.WinExec", "platform.popen",
    "get_ipython().system", "get_ipython().getoutput", "IPython.get_ipython().system", "pydoc.pipepager",
    "pydoc.tempfilepager", "distutils.spawn.spawn", "pexpect.spawn", "pexpect.run", "sh.Command",
}), ("os.spawn", "os.exec", "os.posix_spawn", "ctypes.windll.shell32.ShellExecute", "ctypes.windll.kernel32.WinExec",
     "ctypes.CDLL().system", "ctypes.cdll.LoadLibrary().system", "ctypes.cdll.msvcrt.system", "ctypes.CDLL().execv",
     "ctypes.CDLL().popen", "ctypes.cdll.LoadLibrary().popen"),
    frozenset({"ShellExecuteW", "ShellExecuteA", "ShellExecuteExW", "WinExec", "CreateProcessW", "CreateProcessA"}))
# Writing into and running code inside another process: what loaders of shellcode do.
INJECTION = Capability("injection", last=frozenset({
    "WriteProcessMemory", "CreateRemoteThread", "VirtualAllocEx", "NtWriteVirtualMemory", "QueueUserAPC",
    "NtCreateThreadEx", "RtlCreateUserThread",
}))
# Turning data into running code (besides exec/eval/compile, which the obfuscation rules weigh).
DESERIALIZE = Capability("deserialize", frozenset({
    "pickle.loads", "pickle.load", "cPickle.loads", "_pickle.loads", "dill.loads", "marshal.loads", "marshal.load",
    "cloudpickle.loads", "types.FunctionType", "types.CodeType", "shelve.open", "yaml.unsafe_load",
    "yaml.unsafe_load_all", "jsonpickle.decode",
}))
NETWORK = Capability("network", frozenset({
    "urllib.urlopen", "urllib.urlretrieve", "urllib2.urlopen", "wget.download",
}), ("requests.", "httpx.", "aiohttp.", "urllib3.", "pycurl.", "urllib.request.urlopen", "urllib.request.urlretrieve",
     "urllib.request.Request", "urllib.request.build_opener", "urllib.request.OpenerDirector", "urllib.request.install_opener",
     "http.client.HTTP", "httplib.HTTP", "smtplib.SMTP", "ftplib.FTP", "telnetlib.Telnet", "xmlrpc.client.ServerProxy",
     "websocket.", "websockets.", "dns.resolver.", "tornado.httpclient.", "grequests.", "treq."),
    frozenset({"urlopen", "urlretrieve"}))
SOCKETS = Capability("socket", frozenset({
    "socket.socket", "socket.create_connection", "socket.socket().connect", "socket.socket().connect_ex",
    "socket.socket().sendto", "socket.socket().send", "socket.socket().sendall", "asyncio.open_connection",
    "multiprocessing.connection.Client", "multiprocessing.connection.Listener",
    "asyncio.open_unix_connection", "socket.socketpair", "socket.fromfd",
}))
# Name lookups that send data in the looked-up name itself (DNS exfiltration).
LOOKUPS = Capability("dns", frozenset({
    "socket.gethostbyname", "socket.gethostbyname_ex", "socket.getaddrinfo", "socket.gethostbyaddr",
}), ("dns.resolver.",))
SCREEN = Capability("screen", frozenset({
    "PIL.ImageGrab.grab", "ImageGrab.grab", "pyautogui.screenshot", "pyscreenshot.grab", "mss.mss", "mss.mss().grab",
    "mss.mss().shot", "mss.MSS", "pyautogui.screenshot().save",
}), ("mss.mss().", "d3dshot."))
# Calls that put text on the clipboard.
CLIPBOARD_WRITES = Capability("clipboard-write", frozenset({
    "pyperclip.copy", "win32clipboard.SetClipboardText", "win32clipboard.SetClipboardData", "klembord.set",
    "tkinter.Tk().clipboard_append",
}), (), frozenset({"clipboard_append", "SetClipboardText"}))
CLIPBOARD = Capability("clipboard", frozenset({
    "pyperclip.paste", "pyperclip.copy", "win32clipboard.GetClipboardData", "win32clipboard.OpenClipboard",
    "tkinter.Tk().clipboard_get", "PIL.ImageGrab.grabclipboard", "klembord.get",
}), (), frozenset({"clipboard_get", "GetClipboardData"}))
KEYBOARD = Capability("keyboard", frozenset({
    "pynput.keyboard.Listener", "keyboard.on_press", "keyboard.hook", "keyboard.record", "keyboard.on_release",
    "pyHook.HookManager", "pynput.mouse.Listener",
}), (), frozenset({"GetAsyncKeyState", "SetWindowsHookExA", "SetWindowsHookExW", "GetKeyState"}))
HOST = Capability("host", frozenset({
    "getpass.getuser", "socket.gethostname", "platform.node", "os.getlogin", "platform.uname", "os.uname",
    "socket.getfqdn",
}))
ENVIRONMENT = Capability("env", frozenset({
    "os.environ", "os.environ.copy", "os.environ.items", "os.environ.values", "os.getenv", "os.environ.get",
    "os.environ.__getitem__", "os.environb",
}))

SINKS = (PROCESS, INJECTION, DESERIALIZE, NETWORK, SOCKETS, LOOKUPS)
SECRET_SOURCES = (SCREEN, CLIPBOARD, KEYBOARD)
CREDENTIAL_PATHS = re.compile(
    r"\.ssh[/\\]|\bid_(?:rsa|dsa|ecdsa|ed25519)\b|\.aws[/\\]credentials|\.azure[/\\]|\.config[/\\]gcloud|"
    r"\.pypirc|\.git-credentials|\.docker[/\\]config\.json|\.kube[/\\]config|\.npmrc|\.netrc|"
    r"Login Data|Local State|Cookies|cookies\.sqlite|logins\.json|key[34]\.db|wallet\.dat|Local Storage[/\\]+leveldb|"
    r"keychain|\.gnupg|jupyter[/\\]runtime|jpserver-\d+\.json|nbserver-\d+\.json",
    re.IGNORECASE,
)
# Programs' start-up places: a write there makes code start again later.
PERSISTENCE_PATHS = re.compile(
    r"(?:^|[/\\])\.(?:bashrc|zshrc|bash_profile|profile|zprofile|bash_login|zlogin|xprofile|xinitrc)$|"
    r"(?:^|[/\\])(?:crontab|cron\.d|cron\.(?:hourly|daily|weekly)|rc\.local|autostart|LaunchAgents|LaunchDaemons)(?:[/\\]|$)|"
    r"/etc/cron|/var/spool/cron|systemd[/\\](?:system|user)|Start Menu[/\\]+Programs[/\\]+Startup|"
    r"CurrentVersion[/\\]+Run(?:Once)?\b|/etc/init\.d/|/etc/profile\.d/|\.ipython[/\\]profile_[^/\\]+[/\\]startup|"
    r"\.jupyter[/\\](?:jupyter_\w+_config\.(?:py|json)|\w+_config\.d)|(?:^|[/\\])(?:pip\.conf|pip\.ini)$|"
    r"\.git[/\\]hooks[/\\]|(?:^|[/\\])authorized_keys$",
    re.IGNORECASE,
)
# Files every Python start reads and runs: a .pth file's import lines, sitecustomize and usercustomize.
STARTUP_FILES = re.compile(r"\.pth$|(?:^|[/\\])(?:sitecustomize|usercustomize)\.py$", re.IGNORECASE)


@functools.lru_cache(maxsize=1 << 16)  # the same few thousand call names are asked about by every rule
def capability_of(name: str) -> str | None:
    """The sink or source capability a call of this dotted name has, if any."""
    for capability in (*SINKS, *SECRET_SOURCES, HOST, ENVIRONMENT):
        if capability.matches(name):
            return capability.id
    return None


@functools.lru_cache(maxsize=1 << 16)
def worth_following(name: str) -> bool:
    """Whether a call name matters as the origin of a value: a decoder, a join, or a sink or source."""
    return name.startswith("<") or is_decoder(name) or name.endswith("join") or capability_of(name) is not None \
        or capability_of(name.removesuffix("[]")) is not None
