"""Use cases of the notify service."""
