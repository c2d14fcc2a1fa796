"""Photos, served only to people who may see their case."""
import os

from flask import Blueprint, abort, current_app, send_from_directory
from flask_login import current_user, login_required

from workflows import rules
from workflows.models import Attachment

bp = Blueprint("attachments", __name__)


@bp.get("/attachments/<id:attachment_id>")
@bp.get("/attachments/<id:attachment_id>/<any(thumb):variant>")
@login_required
def show(attachment_id, variant=None):
    """The photo (or its thumbnail) if the user may see the case it belongs to."""
    item = Attachment.get_or_none(Attachment.id == attachment_id)
    if item is None or not rules.can_view(current_user, item.case):
        abort(404)
    name = item.thumb_path if variant == "thumb" else item.path
    response = send_from_directory(os.path.abspath(current_app.config["UPLOAD_FOLDER"]), name,
                                   mimetype=item.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
