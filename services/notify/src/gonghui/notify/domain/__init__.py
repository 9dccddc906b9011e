"""Notifications and who receives them; plain Python, no I/O."""
