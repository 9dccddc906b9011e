"""Every payload contract on the bus, one module per producing service."""

from gonghui.shared.contracts.base import Catalogue, Command, Contract, Event
from gonghui.shared.contracts.notify import NotificationDelivered
from gonghui.shared.contracts.proposals import PROPOSAL_CONTRACTS
from gonghui.shared.contracts.stations import STATION_CONTRACTS

CATALOGUE = Catalogue(
    contracts=(
        *STATION_CONTRACTS,
        *PROPOSAL_CONTRACTS,
        NotificationDelivered,
    )
)

__all__ = ["CATALOGUE", "Catalogue", "Command", "Contract", "Event"]
