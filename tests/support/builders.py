"""Entries and commands as partners write them."""

from __future__ import annotations

import json
from typing import Any

from gonghui.shared.envelope import new_event_id


def station_data(**overrides: Any) -> dict[str, Any]:
    """A valid `station.register.v1` payload; a realistic bank-branch station in Fuzhou."""
    data = {
        "external_ref": "CIB-FZ-0001",
        "name": "兴业银行鼓楼支行爱心驿站",
        "address": "福州市鼓楼区五四路154号",
        "lat": 26.0878,
        "lon": 119.3034,
        "services": ["drinking_water", "rest", "charging"],
        "open_hours": "Mo-Su 08:00-20:00",
        "manager_name": "林晓",
        "manager_phone": "13800138000",
    }
    data.update(overrides)
    return data


def entry(
    department: str,
    type_name: str = "station.register.v1",
    data: dict[str, Any] | str | None = None,
    *,
    event_id: str | None = None,
    source: str | None = None,
    **extra: str,
) -> dict[str, str]:
    """The fields of one CloudEvent stream entry, as `redis-cli XADD` would write them."""
    payload = data if data is not None else station_data()
    return {
        "specversion": "1.0",
        "id": event_id or new_event_id(),
        "source": source or f"dept/{department}",
        "type": type_name,
        "datacontenttype": "application/json",
        "data": payload if isinstance(payload, str) else json.dumps(payload, ensure_ascii=False),
        **extra,
    }
