"""The only code that knows tables, rows, keys and AWS clients; it takes and gives the plain values of `records`."""
from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import Settings

_settings: Settings | None = None


def connect(settings: Settings) -> None:
    """Hand the table models their settings: at once if they are loaded, else when they load.

    So a request that never reaches DynamoDB (a health check, a refused body) never loads pynamodb.
    """
    global _settings
    _settings = settings
    tables = sys.modules.get(f"{__name__}.tables")
    if tables is not None:
        tables.bind_tables(settings)


def connected_settings() -> Settings | None:
    """The settings `connect` was last given (None before the first)."""
    return _settings
