"""Running commands and moving files on a machine: this one (subprocess) or a host over SSH (paramiko).

Everything that touches a host goes through an `Executor` (executor.py), so a plan, an fstab edit or a
driver build is written once and runs locally or remotely. paramiko is imported only by ssh.py, which
only commands given --host load.
"""
