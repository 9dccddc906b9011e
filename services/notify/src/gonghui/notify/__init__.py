"""Notifications to everyone involved, on the channels they use."""
