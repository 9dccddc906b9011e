"""Cases and their closed loop; plain Python, no I/O."""
