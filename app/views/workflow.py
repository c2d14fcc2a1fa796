"""The machine, documenting itself: states, events, who may act, time limits, and a diagram."""
from flask import Blueprint, render_template
from flask_login import login_required

from workflows.machine import EVENTS, STATES, TIME_LIMITS, mermaid

bp = Blueprint("workflow", __name__)


@bp.get("/workflow")
@login_required
def show():
    """The generated diagram and the tables it is drawn from."""
    return render_template("workflow/show.html", states=STATES, events=EVENTS, limits=TIME_LIMITS,
                           diagram=mermaid())
