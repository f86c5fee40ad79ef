"""jupyter_safepip: check what pip would install before anything is installed."""

__version__ = "0.1.0"


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    """Where the prebuilt sidebar lives, for `jupyter labextension develop`."""
    return [{"src": "labextension", "dest": "jupyter-safepip"}]


def load_ipython_extension(ip) -> None:
    """`%load_ext jupyter_safepip`."""
    from .ipython.extension import load_ipython_extension as load

    load(ip)


def unload_ipython_extension(ip) -> None:
    """`%unload_ext jupyter_safepip`: IPython's own %pip comes back."""
    from .ipython.extension import unload_ipython_extension as unload

    unload(ip)
