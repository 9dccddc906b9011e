"""What the front talks to: the services' public HTTP APIs and notify's sign-in codes."""
