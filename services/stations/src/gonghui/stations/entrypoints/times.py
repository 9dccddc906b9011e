"""Times where people read them: Asia/Shanghai (+08:00); UTC stays inside and on the bus."""

from __future__ import annotations

from datetime import datetime
from typing import overload

from gonghui.shared.clock import SHANGHAI


@overload
def local(moment: datetime) -> datetime: ...
@overload
def local(moment: None) -> None: ...
def local(moment: datetime | None) -> datetime | None:
    """The same instant shown with +08:00."""
    return moment.astimezone(SHANGHAI) if moment is not None else None
