"""The XenServer DDK: reading its ISO (iso.py, iso_tree.py), importing it as a VM, and the DDK VM's network files."""
