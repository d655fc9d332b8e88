"""Returns: a buyer asks to send back delivered units; ops approve (refunding them) or reject."""
