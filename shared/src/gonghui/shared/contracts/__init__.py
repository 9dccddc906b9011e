"""Every payload contract on the bus, one module per producing service."""

from gonghui.shared.contracts.base import Catalogue, Command, Contract, Event
from gonghui.shared.contracts.notify import (
    BroadcastRequested,
    NotificationDelivered,
    NotificationFailed,
    NotificationPosted,
)
from gonghui.shared.contracts.proposals import PROPOSAL_CONTRACTS
from gonghui.shared.contracts.stations import STATION_CONTRACTS

CATALOGUE = Catalogue(
    contracts=(
        *STATION_CONTRACTS,
        *PROPOSAL_CONTRACTS,
        NotificationDelivered,
        NotificationFailed,
        NotificationPosted,
        BroadcastRequested,
    )
)

__all__ = ["CATALOGUE", "Catalogue", "Command", "Contract", "Event"]
