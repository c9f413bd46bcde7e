"""Open vSwitch bonds in dom0: read their state (`bond status`), and pick their active member at boot."""
