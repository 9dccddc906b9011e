"""Proposal and issue routing for union member representatives (云履职)."""
