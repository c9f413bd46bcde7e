"""The site file: load and check it whole (load.py), then render every VM all-or-nothing (render.py)."""
