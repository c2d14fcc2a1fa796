"""Photos, served only to people who may see their case."""
import os

from flask import Blueprint, current_app, send_from_directory

from app.access import allows, require
from workflows.models import Attachment

bp = Blueprint("attachments", __name__)


@bp.get("/attachments/<id:attachment_id>")
@bp.get("/attachments/<id:attachment_id>/<any(thumb):variant>")
@allows("case.view")
def show(attachment_id, variant=None):
    """The photo (or its thumbnail) if the user may see the case it belongs to."""
    item = Attachment.get_or_none(Attachment.id == attachment_id)
    require("case.view", item.case if item is not None else None)
    name = item.thumb_path if variant == "thumb" else item.path
    response = send_from_directory(os.path.abspath(current_app.config["UPLOAD_FOLDER"]), name,
                                   mimetype=item.content_type)
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
