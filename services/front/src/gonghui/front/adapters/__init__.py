"""What the front talks to: the services' public HTTP APIs, notify's sign-in codes, and the
streams a unit without its own system writes through the pages."""
