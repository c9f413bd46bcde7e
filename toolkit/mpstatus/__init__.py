"""Multipath status: one parser for every `multipath -ll` / `mpathutil status` layout, its model and renderings."""
