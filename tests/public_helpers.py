"""Shared set-up for the residents' and Open311 tests: public categories, polygons, a fixed clock, staff steps."""
import io
import os
from datetime import timedelta

from PIL import Image

from workflows.models import Category, OrgUnit, StreetIntake
from workflows.service import fire

# Two grids side by side (g1 west, g2 east) and g3 further north-east; g4 (another street) has none.
POLYGONS = {
    "G1": [[120.150, 30.270], [120.154, 30.270], [120.154, 30.273], [120.150, 30.273]],
    "G2": [[120.154, 30.270], [120.158, 30.270], [120.158, 30.273], [120.154, 30.273]],
    "G3": [[120.158, 30.273], [120.162, 30.273], [120.162, 30.276], [120.158, 30.276]],
}


def make_public(world):
    """Offer the world's categories to residents, draw the grids, and name g2 the street's intake grid."""
    Category.update(public=True).where(Category.parent.is_null(False)).execute()
    Category.update(attributes=[{"code": "when", "description": "时段", "datatype": "singlevaluelist",
                                 "required": True, "values": [{"key": "day", "name": "白天"},
                                                              {"key": "night", "name": "夜间"}]}]).where(
        Category.id == world.complex.id).execute()
    Category.update(public=False).where(Category.id == world.urgent.id).execute()
    for code, polygon in POLYGONS.items():
        OrgUnit.update(polygon=polygon).where(OrgUnit.code == code).execute()
    StreetIntake.create(street=world.street, grid=world.g2)
    for name in ("litter", "urgent", "complex", "g1", "g2", "g3"):
        obj = getattr(world, name)
        setattr(world, name, type(obj).get_by_id(obj.id))
    return world


def jpeg_bytes(size=(64, 48), colour=(200, 30, 30)):
    """A small real JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, "JPEG")
    return buffer.getvalue()


def after_photo(app, name="after"):
    """Attachment fields for an after-photo written to the upload folder (as the staff form would)."""
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    data = jpeg_bytes(colour=(30, 160, 60))
    for path in (f"{name}.jpg", f"{name}.thumb.jpg"):
        with open(os.path.join(folder, path), "wb") as handle:
            handle.write(data)
    return {"kind": "after", "path": f"{name}.jpg", "thumb_path": f"{name}.thumb.jpg", "content_type": "image/jpeg",
            "width": 64, "height": 48, "size": len(data), "sha256": "0" * 64}


def drive_to_closed(world, case, at, photo=None, callback="satisfied", steps=None):
    """The staff's steps for a resident's case: report, escalate, dispatch, rectify, verify, close."""
    moves = [
        ("report", world.member, {"note": "需部门处置"}),
        ("escalate", world.lead, {"reason": "报社区"}),
        ("dispatch", world.community, {"department": world.sanitation.id, "instructions": "请尽快清运，联系人 13800001111"}),
        ("rectify", world.handler, {"note": "已清运完毕，现场已恢复整洁。"}),
        ("verify", world.member, {"note": "经现场核查，整改到位。"}),
        ("close", world.community, {"callback": callback, "note": "群众满意，予以销号。"}),
    ]
    for index, (event, actor, data) in enumerate(moves[:steps]):
        attachments = [photo] if photo and event == "rectify" else ()
        fire(case, event, actor, at + timedelta(minutes=10 * (index + 1)), attachments=attachments, **data)
    return case
