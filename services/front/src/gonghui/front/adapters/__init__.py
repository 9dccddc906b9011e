"""What the front talks to: the services' public APIs and the streams a unit may write."""
