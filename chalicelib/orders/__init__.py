"""Orders: placing (the hot path for flash sales included), cancelling, expiring, shipping, delivering."""
