"""Fixtures shared by the access-matrix and personal-data tests."""
import pytest

from tests.views.access_world import NOW, AccessWorld
from tests.factories import stop_clock


@pytest.fixture
def access(app, app_world):
    """The access world (every kind of object at every place), with the app's clock at NOW."""
    stop_clock(app, NOW)
    return AccessWorld(app, app_world)
