"""The local stack: emulator, provisioning, event pump, web server and demo data (dev only, never shipped)."""
