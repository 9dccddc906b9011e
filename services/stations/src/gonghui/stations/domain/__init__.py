"""Stations as the provincial standard describes them; plain Python, no I/O."""
