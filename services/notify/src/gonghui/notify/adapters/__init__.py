"""Persistence of notifications."""
