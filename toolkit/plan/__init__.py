"""Plans: ordered xe/shell steps with checks and undo (model.py), rendered as bash or run through an
executor (run.py)."""
