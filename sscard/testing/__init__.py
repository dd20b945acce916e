"""Shared test support: factories and pytest fixtures (registered in the root ``conftest.py``)."""
