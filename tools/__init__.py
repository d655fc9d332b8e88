"""Build and release tools: scripts run by `make` (not shipped to Lambda, not imported by chalicelib)."""
