"""The machine, documenting itself: states, events, who may act, time limits, and a diagram."""
from flask import Blueprint, render_template

from app.access import allows
from app.security import relax_csp
from workflows.machine import EVENTS, STATES, TIME_LIMITS, mermaid

bp = Blueprint("workflow", __name__)


@bp.get("/workflow")
@allows("workflow.view")
# Mermaid writes <style> and style="" into the SVG it draws (and measures text with them), so
# this one page allows inline styles; scripts stay strict, and the page shows only the machine's
# own tables, never anything a user typed. Neither a hash (the style attributes hold measured
# sizes) nor moving the CSS into a stylesheet (Mermaid styles its measuring copy) avoids it.
@relax_csp(style_src="'self' 'unsafe-inline'")
def show():
    """The generated diagram and the tables it is drawn from."""
    return render_template("workflow/show.html", states=STATES, events=EVENTS, limits=TIME_LIMITS,
                           diagram=mermaid())
