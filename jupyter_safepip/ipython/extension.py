"""Load and unload: register %safepip, override %pip (remembering IPython's), and catch `!pip install`."""

from __future__ import annotations

import logging

from ..core.settings import default_cache_dir
from .magics import SafePipMagics
from .shell_commands import guard_shell_commands, release_shell_commands
from .shell_escape import rewrite_cell

_STATE_KEY = "_jupyter_safepip_original_pip"


def _log_to_file() -> None:
    """Internal errors go to a log file, never as tracebacks into the notebook."""
    logger = logging.getLogger("jupyter_safepip")
    if any(isinstance(h, logging.FileHandler) for h in logger.handlers):
        return
    path = default_cache_dir() / "safepip.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logger.addHandler(handler)
    logger.propagate = False


def load_ipython_extension(ip) -> None:
    if getattr(ip, _STATE_KEY, None) is not None:
        return  # already loaded
    _log_to_file()
    if _switched_off():
        return
    from IPython.core.magics.packaging import PackagingMagics

    # Remember whatever %pip was (IPython may hold a lazy stub that re-registers itself when called),
    # and delegate non-install subcommands to IPython's own implementation directly.
    setattr(ip, _STATE_KEY, ip.magics_manager.magics["line"].get("pip"))
    magics = SafePipMagics(ip, original_pip=PackagingMagics(ip).pip)
    ip.register_magics(magics)
    if rewrite_cell not in ip.input_transformers_cleanup:
        ip.input_transformers_cleanup.append(rewrite_cell)
    guard_shell_commands(ip, magics.guarded_pip)
    ip.events.register("pre_run_cell", _forget_last_traceback)


def _forget_last_traceback(info=None) -> None:
    """Reset ipykernel's record of the cell's traceback, as its synchronous path does: a %pip line runs as
    an awaited cell, and a refusal there (a one-line UsageError, no traceback) in a kernel's first cell
    otherwise leaves the attribute unset and the kernel never replies to the cell."""
    from IPython import get_ipython

    shell = get_ipython()
    if shell is not None and type(shell).__module__.startswith("ipykernel"):
        shell._last_traceback = None


def _switched_off() -> bool:
    """SafePip.enabled = false (and not locked on): the kernel configuration may load us, we stay out."""
    from ..config import ConfigError, config_layers, effective_config

    try:
        config = effective_config(config_layers())
    except ConfigError:
        return False  # load anyway: the first %pip says what is wrong with the configuration
    if not config.values["enabled"]:
        print(f"safepip: not loaded: SafePip.enabled is false ({config.sources['enabled']} configuration)")
        return True
    return False


def unload_ipython_extension(ip) -> None:
    original = getattr(ip, _STATE_KEY, None)
    if original is None:
        return
    magics = ip.magics_manager.registry.get(SafePipMagics.__name__)
    if magics is not None:
        # Raising keeps the extension loaded: IPython only forgets it when this returns.
        magics.refuse_if_locked("enabled", "%unload_ext jupyter_safepip")
    ip.magics_manager.magics["line"]["pip"] = original
    ip.magics_manager.magics["line"].pop("safepip", None)
    if rewrite_cell in ip.input_transformers_cleanup:
        ip.input_transformers_cleanup.remove(rewrite_cell)
    release_shell_commands(ip)
    ip.events.unregister("pre_run_cell", _forget_last_traceback)
    setattr(ip, _STATE_KEY, None)
