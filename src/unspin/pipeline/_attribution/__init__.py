"""Helpers shared by the ``actors`` and ``quotes`` stages (rule-based, on spaCy's parse)."""
