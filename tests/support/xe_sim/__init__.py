"""The xe simulator: xe_sim.py is its entry point (installed as `xe` on test hosts); see its docstring."""
