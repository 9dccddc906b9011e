"""Persistence of cases."""
