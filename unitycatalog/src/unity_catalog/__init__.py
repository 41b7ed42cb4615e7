"""The Unity Catalog set-up command (setup.py)."""
