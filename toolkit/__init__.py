"""xenkit: prepare and roll out Linux guests and storage drivers on XenServer pools."""

__version__ = "0.1.0"
