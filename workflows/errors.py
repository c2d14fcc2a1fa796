"""The one error the workflow raises: a refusal with a reason people can read."""
from workflows.machine import N_

FORBIDDEN = "forbidden"
INVALID_STATE = "invalid_state"
STALE = "stale"
INVALID = "invalid"
DUPLICATE = "duplicate"


class WorkflowError(Exception):
    """A refused change. `message` is a msgid with %(name)s placeholders filled from `params`."""

    def __init__(self, code, message, field=None, **params):
        super().__init__(message % params if params else message)
        self.code = code
        self.message = message
        self.field = field
        self.params = params


def stale():
    """The case changed since the user loaded it."""
    return WorkflowError(STALE, N_("Changed by someone else: this is the case as it is now."))
