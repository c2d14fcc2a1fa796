"""Staff profile photos: who may set one, and setting it (the history stays in PortraitChange)."""
from workflows import policy
from workflows.db import write_transaction
from workflows.errors import FORBIDDEN, WorkflowError
from workflows.machine import N_
from workflows.models import PortraitChange, User


def set_portrait(person, photo, actor, now):
    """Make `photo` (a stored file's name) the person's profile photo; returns the change row."""
    if not policy.can(actor, "staff.photo", person):
        raise WorkflowError(FORBIDDEN, N_("You may not change this person's photo."))
    with write_transaction():
        change = PortraitChange.create(person=person.id, photo=photo, set_by=actor.id, at=now)
        User.update(photo=photo).where(User.id == person.id).execute()
    person.photo = photo
    return change
