"""Work for a person: my work (the first screen of grid workers), the lead's day, tasks."""
from flask import Blueprint, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app import params
from app.access import allows, can, require
from app.db import now
from app.htmx import render
from app.i18n import translate_error
from workflows.errors import WorkflowError
from workflows.models import OrgUnit, Task, User
from workflows.policy import GRID_TEAM, visible_grids, visible_tasks
from workflows.work import cancel_task, finish_task, give_task, my_work, task_history, task_light, team_today

bp = Blueprint("work", __name__)


@bp.get("/work")
@allows("work.mine")
def mine():
    """Everything waiting on me: cases I hold, my tasks, what I found and have not yet moved, notices to answer."""
    at = now()
    grids = [grid for grid in visible_grids(current_user) if can("work.team", grid)]
    return render("work/mine.html", items=my_work(current_user, at), grids=grids)


def load_grid(code, action):
    """A grid in the user's reach for `action` (404 otherwise)."""
    return require(action, OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid")))


def team(grid):
    """The grid's active members and lead, lead first (those tasks can be given to)."""
    return list(User.select().where(User.active & User.role.in_(GRID_TEAM) & (User.org == grid.id))
                .order_by(User.role.desc(), User.name))


@bp.get("/grids/<code>/today")
@allows("work.team")
def today(code):
    """The lead's day: each person's open work, what is overdue, and a form to give a task."""
    grid = load_grid(code, "work.team")
    return render("work/team.html", grid=grid, rows=team_today(grid, now()), people=team(grid), form={}, errors={})


@bp.post("/grids/<code>/tasks")
@allows("task.give")
def give(code):
    """Give a member or the lead of the grid a task; a refused form comes back as typed."""
    grid = load_grid(code, "task.give")
    assignee_id = params.form.id("assignee", lenient=True)
    assignee = User.get_or_none(User.id == assignee_id) if assignee_id else None
    try:
        task = give_task(current_user, grid, assignee, now(), title=params.form.text("title"),
                         due_at=params.form.moment("due_at", lenient=True),
                         instructions=params.form.text("instructions"))
    except WorkflowError as exc:
        return render("work/team.html", grid=grid, rows=team_today(grid, now()), people=team(grid),
                      form=request.form, errors={exc.field or "_": translate_error(exc)}), 400
    flash(_("Task given to %(name)s.", name=task.assignee.name))
    return redirect(url_for("work.today", code=grid.code), code=303)


def load_task(task_id, action="task.view"):
    return require(action, visible_tasks(current_user, Task.select()).where(Task.id == task_id).first())


@bp.get("/tasks/<id:task_id>")
@allows("task.view")
def task(task_id):
    """A task: what, for whom, by when, its history, and the actions open to this user."""
    found = load_task(task_id)
    return render("work/task.html", task=found, history=task_history(found), light=task_light(found, now()),
                  form={}, errors={})


def _task_change(task_id, action, change, field):
    found = load_task(task_id, action)
    try:
        change(found, current_user, now(), params.form.text(field))
    except WorkflowError as exc:
        return render("work/task.html", task=found, history=task_history(found), light=task_light(found, now()),
                      form=request.form, errors={exc.field or "_": translate_error(exc)}), 400
    return redirect(url_for("work.task", task_id=found.id), code=303)


@bp.post("/tasks/<id:task_id>/done")
@allows("task.done")
def done(task_id):
    """The person it was given to reports the task done, with what was done."""
    return _task_change(task_id, "task.done", finish_task, "result")


@bp.post("/tasks/<id:task_id>/cancel")
@allows("task.cancel")
def cancel(task_id):
    """Whoever gave it (or an overseer of its grid) cancels an open task, with a reason."""
    return _task_change(task_id, "task.cancel", cancel_task, "reason")
