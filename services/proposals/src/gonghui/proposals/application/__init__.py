"""Use cases of the proposals service."""
