"""How the outside world reaches the proposals service: HTTP and streams."""
