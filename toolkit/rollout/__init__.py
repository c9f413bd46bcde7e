"""`xenkit driver install`: a checked driver bundle rolled out to dom0 hosts over SSH, canary first."""
