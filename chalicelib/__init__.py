"""The marketplace's Lambda code: everything here ships with app.py."""
