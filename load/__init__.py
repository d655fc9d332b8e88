"""Load generator for the local stack: `python -m load` (make load)."""
