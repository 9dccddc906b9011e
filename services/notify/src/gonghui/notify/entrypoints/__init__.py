"""How the outside world reaches the notify service: HTTP and streams."""
