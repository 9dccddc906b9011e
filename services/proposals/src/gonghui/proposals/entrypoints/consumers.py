"""What departments send the proposals service on their outboxes."""

from gonghui.shared.consumer import Handlers


def department_handlers() -> Handlers:
    """Commands the proposals service applies from `dept.<code>.outbox`."""
    return Handlers()
