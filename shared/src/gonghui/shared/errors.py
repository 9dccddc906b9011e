"""Refusals a use case raises and every entrypoint understands; plain Python, no I/O.

Subclass them in a domain or application layer: over HTTP a `NotFound` is a 404 and a
`Conflict` a 409 with the message as the reason; from a stream, consumers turn them into
dead letters with the same reason.
"""


class NotFound(LookupError):
    """No such thing (HTTP 404)."""


class Conflict(Exception):
    """An action the current state does not allow (HTTP 409), with the reason."""


class ChangedMeanwhile(Exception):
    """Someone changed it at the same moment: try again (HTTP 409; a stream entry is retried)."""
