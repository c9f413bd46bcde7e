"""The driver pipeline: DDK ISO, recipe, build, inspect and bundle steps (issue 4)."""
