"""The base of every payload contract and the catalogue that names them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict

Owner = Literal["stations", "proposals", "notify"]


class Contract(BaseModel):
    """A frozen `data` payload; unknown fields are ignored so producers can add optional ones."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    type_name: ClassVar[str]
    owner: ClassVar[Owner]


class Command(Contract):
    """Something a party asks a service to do (imperative type, e.g. `station.register.v1`)."""


class Event(Contract):
    """Something a service announces has happened (past tense, e.g. `station.registered.v1`)."""

    streams: ClassVar[tuple[Literal["events", "inbox"], ...]] = ("events",)
    """Where it is written: the service's own `<service>.events`, departments' inboxes, or both."""
    disclosed_to_recipient: ClassVar[frozenset[str]] = frozenset()
    """Free-text fields its named recipient must read in full to act (a caller's phone to call
    back): unmasked only on that department's own inbox, and every such delivery is audited.
    Everywhere else every free-text field is masked (`gonghui.shared.privacy.mask_data`)."""


@dataclass(frozen=True)
class Catalogue:
    """Every contract type known to the platform, looked up by its `type` attribute."""

    contracts: tuple[type[Contract], ...]

    by_type: dict[str, type[Contract]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        names = [c.type_name for c in self.contracts]
        duplicated = {n for n in names if names.count(n) > 1}
        if duplicated:
            raise ValueError(f"contract types defined twice: {sorted(duplicated)}")
        # Looked up for every entry every consumer reads.
        object.__setattr__(self, "by_type", {c.type_name: c for c in self.contracts})

    def get(self, type_name: str) -> type[Contract] | None:
        """The contract for a type, or None if the platform does not know it."""
        return self.by_type.get(type_name)

    def owner_of(self, type_name: str) -> Owner | None:
        """The service responsible for a type, or None if unknown."""
        contract = self.get(type_name)
        return contract.owner if contract else None

    def commands_for(self, owner: Owner) -> list[type[Contract]]:
        """The commands a service accepts from departments."""
        return [c for c in self.contracts if c.owner == owner and issubclass(c, Command)]
