"""Load and unload: register %safepip, override %pip (remembering IPython's), and catch `!pip install`."""

from __future__ import annotations

from .magics import SafePipMagics
from .shell_escape import rewrite_cell

_STATE_KEY = "_jupyter_safepip_original_pip"


def load_ipython_extension(ip) -> None:
    if getattr(ip, _STATE_KEY, None) is not None:
        return  # already loaded
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
