"""jupyter_safepip: check what pip would install before anything is installed."""

__version__ = "0.1.0"
