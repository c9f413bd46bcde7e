"""paramiko is imported without invoke (a third of its import time), and invoke stays importable afterwards."""

from __future__ import annotations

import subprocess
import sys

CODE = """
import importlib.util, sys
import toolkit.remote.ssh
assert "invoke" not in sys.modules, "invoke was imported"
if importlib.util.find_spec("invoke") is not None:
    import invoke
    assert invoke.__name__ == "invoke"
import paramiko.config
assert paramiko.config.invoke is None
"""


def test_paramiko_without_invoke() -> None:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True, check=False, timeout=60)
    assert done.returncode == 0, done.stderr
