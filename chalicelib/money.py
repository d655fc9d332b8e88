"""Money in integer minor units, and conversion at decimal FX rates."""
from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from .config import SUPPORTED_CURRENCIES

# Every supported currency has two minor digits (API.md); kept explicit so a
# currency with 0 or 3 digits is a one-line change.
MINOR_DIGITS: dict[str, int] = {code: 2 for code in SUPPORTED_CURRENCIES}

DEFAULT_FX_RATES: dict[str, str] = {
    "USD": "0.003571",
    "GBP": "0.002817",
    "EUR": "0.003289",
    "AED": "0.013115",
    "SAR": "0.013393",
}


def money(amount: int, currency: str) -> dict[str, object]:
    return {"amount": amount, "currency": currency}


def convert(amount_pkr_minor: int, currency: str, rates: Mapping[str, str]) -> tuple[int, str]:
    """Convert PKR minor units into `currency` minor units, rounded half-up.

    Returns the amount and the rate used (as its decimal string), so callers can lock it.
    """
    if currency == "PKR":
        return amount_pkr_minor, "1"
    rate = Decimal(rates[currency])
    scale = Decimal(10) ** (MINOR_DIGITS[currency] - MINOR_DIGITS["PKR"])
    exact = Decimal(amount_pkr_minor) * rate * scale
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP)), rates[currency]


def apply_bps(amount: int, bps: int) -> int:
    """`amount` x bps / 10000, rounded half-up (commission on integer minor units)."""
    exact = Decimal(amount) * Decimal(bps) / Decimal(10000)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def rupees(paisa: int) -> str:
    """Integer paisa as rupees with two decimals, by integer arithmetic only: 123456 -> "1234.56", -1250 -> "-12.50"."""
    sign = "-" if paisa < 0 else ""
    whole, part = divmod(abs(paisa), 100)
    return f"{sign}{whole}.{part:02d}"
