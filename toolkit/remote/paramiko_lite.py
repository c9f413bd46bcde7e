"""paramiko, imported without invoke: every module here takes paramiko from this one.

paramiko.config imports invoke (a task runner, about a third of paramiko's import time) only to run ssh_config
`Match exec` lines, and xenkit never reads an ssh_config. While paramiko is first imported, `import invoke` fails
as if it were not installed (paramiko handles that); afterwards invoke can be imported as usual.
"""

import sys

_hidden = "invoke" not in sys.modules
if _hidden:
    sys.modules["invoke"] = None  # type: ignore[assignment]  # None in sys.modules: the import raises ImportError
try:
    import paramiko
finally:
    if _hidden and "invoke" in sys.modules and sys.modules["invoke"] is None:
        del sys.modules["invoke"]

__all__ = ["paramiko"]
