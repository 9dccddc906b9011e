"""The partners' HTTPS door under the front: `/partner/v1/...` (DESIGN §9, docs/partners.md)."""

from gonghui.front.partner.routes import partner_router

__all__ = ["partner_router"]
