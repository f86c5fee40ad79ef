"""A small PyPI-compatible index and harmless package builders, for the tests and the demo."""
