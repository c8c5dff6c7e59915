"""Operator commands (``python -m chalicelib.cli.<command>``)."""
