"""Values checked where they enter: network values, safe text, sizes, time zones, passwords, SSH keys, user files."""
