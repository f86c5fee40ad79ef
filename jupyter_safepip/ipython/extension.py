"""Load and unload: register %safepip, override %pip (remembering IPython's), and catch `!pip install`."""

from __future__ import annotations

import logging

from ..core.settings import default_cache_dir
from .magics import SafePipMagics
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
    from IPython.core.magics.packaging import PackagingMagics

    # Remember whatever %pip was (IPython may hold a lazy stub that re-registers itself when called),
    # and delegate non-install subcommands to IPython's own implementation directly.
    setattr(ip, _STATE_KEY, ip.magics_manager.magics["line"].get("pip"))
    ip.register_magics(SafePipMagics(ip, original_pip=PackagingMagics(ip).pip))
    if rewrite_cell not in ip.input_transformers_cleanup:
        ip.input_transformers_cleanup.append(rewrite_cell)


def unload_ipython_extension(ip) -> None:
    original = getattr(ip, _STATE_KEY, None)
    if original is None:
        return
    ip.magics_manager.magics["line"]["pip"] = original
    ip.magics_manager.magics["line"].pop("safepip", None)
    if rewrite_cell in ip.input_transformers_cleanup:
        ip.input_transformers_cleanup.remove(rewrite_cell)
    setattr(ip, _STATE_KEY, None)
