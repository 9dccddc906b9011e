"""Use cases of the stations service."""
