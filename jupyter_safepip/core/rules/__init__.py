"""Behaviour rules: a readable table (table.py) and small matchers that turn Python sources into hits."""
