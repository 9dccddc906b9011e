"""Real servers for the test suite (DESIGN §6): env URLs, then testcontainers, then embedded."""
