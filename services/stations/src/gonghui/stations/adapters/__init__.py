"""Persistence of stations."""
