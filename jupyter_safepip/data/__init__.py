"""Data shipped with jupyter_safepip: the popular-names snapshot and small word lists."""
