"""`python -m toolkit` is the same as the `xenkit` console script."""

from toolkit.cli.main import run

run()
