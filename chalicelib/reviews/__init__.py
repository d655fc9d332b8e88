"""Reviews: verified buyers rate what was delivered to them; ops can hide a review."""
