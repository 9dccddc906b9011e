"""How the outside world reaches the stations service: HTTP and streams."""
