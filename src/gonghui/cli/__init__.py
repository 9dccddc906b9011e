"""The `gonghui` command: run the system, operate the bus."""
