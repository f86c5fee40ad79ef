"""The Jupyter Server extension: the REST API the JupyterLab sidebar talks to."""

from .extension import _jupyter_server_extension_points, _load_jupyter_server_extension

__all__ = ["_jupyter_server_extension_points", "_load_jupyter_server_extension"]
