"""Catch `pip install` in shell commands when they run, after IPython has filled in `{var}` and `$var`.

The input transformer (`shell_escape`) sees lines as typed; what it never sees (`!{cmd}`, `%system`, `%sx`,
`out = !pip install x`, a `!pip` line in the very cell that loaded the extension) reaches the shell's
`system` or `getoutput`, which are wrapped here: a plain pip install goes through the guard, any other
command that runs pip install is refused, everything else runs as before.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from IPython.core.error import UsageError
from IPython.utils.text import LSString, SList

from .shell_escape import REFUSAL, plain_install_args, runs_pip_install

_STATE_KEY = "_jupyter_safepip_shell_commands"


def guard_shell_commands(shell, install: Callable[[str], object]) -> None:
    """Route pip installs in `shell.system` and `shell.getoutput` through `install("install ...")`."""
    if getattr(shell, _STATE_KEY, None) is not None:
        return
    system, getoutput = shell.system, shell.getoutput
    setattr(shell, _STATE_KEY, (system, getoutput))

    def guarded_system(cmd: str):
        command = shell.var_expand(cmd, depth=1)  # the caller's variables, as IPython's own system reads them
        if runs_pip_install(command):
            return _guarded(command, install)
        with _expanded_already(shell):
            return system(command)

    def guarded_getoutput(cmd: str, split: bool = True, depth: int = 0):
        command = shell.var_expand(cmd, depth=depth + 1)
        if runs_pip_install(command):
            _guarded(command, install)
            return SList() if split else LSString("")
        with _expanded_already(shell):
            return getoutput(command, split=split)

    shell.system, shell.getoutput = guarded_system, guarded_getoutput


def release_shell_commands(shell) -> None:
    """Put back the shell's own `system` and `getoutput`."""
    saved = getattr(shell, _STATE_KEY, None)
    if saved is not None:
        shell.system, shell.getoutput = saved
        setattr(shell, _STATE_KEY, None)


def _guarded(command: str, install: Callable[[str], object]):
    args = plain_install_args(command)
    if args is None:
        raise UsageError(REFUSAL)
    return install(args)


@contextmanager
def _expanded_already(shell) -> Iterator[None]:
    """The command was expanded once, in the caller's frame: IPython's own call must not expand it again."""
    own = shell.__dict__.get("var_expand")
    shell.var_expand = lambda cmd, depth=0, formatter=None: cmd
    try:
        yield
    finally:
        if own is None:
            del shell.var_expand
        else:
            shell.var_expand = own
