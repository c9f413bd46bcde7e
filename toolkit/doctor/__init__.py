"""`host doctor`: one read-only look at a dom0 against everything xenkit knows can go wrong."""
