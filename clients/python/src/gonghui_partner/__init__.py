"""gonghui-partner: join the gonghui bus as a partner department, over Redis or HTTPS."""

from gonghui_partner import contracts
from gonghui_partner.client import Config, Lost, Partner, Refused
from gonghui_partner.events import Item, NotACommand, command_fields, sign

__all__ = [
    "Config",
    "Item",
    "Lost",
    "NotACommand",
    "Partner",
    "Refused",
    "command_fields",
    "contracts",
    "sign",
]
