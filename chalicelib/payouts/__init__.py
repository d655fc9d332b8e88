"""Artisans' payout balances and ledgers."""
