"""What a handler returns when the operation's default status and no headers will not do."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Reply:
    body: Any
    status: int
    headers: dict[str, str] = field(default_factory=dict)
