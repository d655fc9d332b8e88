"""The only code that knows tables, rows, keys and AWS clients; it takes and gives the plain values of `records`."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings


def connect(settings: Settings) -> None:
    """Point every table model at its table (pynamodb loads here, not when `records` is imported)."""
    from .tables import bind_tables

    bind_tables(settings)
