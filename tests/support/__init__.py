"""Helpers shared by the OTA tests (new module; the foundation's conftest stays untouched)."""
