"""Refunds: money back to a buyer through the gateway that took it, exactly once."""
