"""Uploads: a size limit on the whole request, photos decoded and re-encoded (no metadata, nothing
riding along), random names in a folder outside the static one, served only through the
permission-checked route (the access matrix checks who may fetch them)."""
import io
import os
import re
from datetime import timedelta

from PIL import Image

from app import create_app
from tests.factories import T0
from workflows.models import Attachment, Case

NOW = T0 + timedelta(hours=2)
PAYLOAD = b"<script>alert('gridcase')</script>"


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = NOW


def tagged_jpeg():
    """A photo carrying a GPS position and a camera name, with a script appended after its end."""
    image = Image.new("RGB", (120, 90), (30, 90, 160))
    exif = Image.Exif()
    exif[0x010F] = "Phone Maker"  # Make
    exif[0x8825] = {1: "N", 2: (30.0, 15.0, 42.0), 3: "E", 4: (120.0, 9.0, 7.0)}  # GPSInfo
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue() + PAYLOAD


def intake(w, photo, name):
    return {"category": w.litter.id, "title": "", "description": "", "building": "", "unit": "", "location_text": "",
            "lat": "", "lng": "", "urgency": "", "source": "patrol", "reporter_name": "", "reporter_phone": "",
            "intake_key": "e" * 32, "photos": (io.BytesIO(photo), name)}


def stored(app):
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.exists(folder) else []


def test_the_whole_request_is_limited_by_default(app):
    config = app.config
    assert config["MAX_CONTENT_LENGTH"] == config["MAX_PHOTOS"] * config["MAX_PHOTO_BYTES"] + 1024 * 1024


def test_a_request_over_the_limit_is_refused_in_chinese_and_stores_nothing(login, app_world, app, clock):
    member = login("member")
    token_page = "/cases/new?grid=G1"
    app.config["MAX_CONTENT_LENGTH"] = 200 * 1024
    big = tagged_jpeg() + b"\0" * (300 * 1024)
    response = member.post(token_page, intake(app_world, big, "big.jpg"), token_from=token_page,
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "上传文件过大" in response.get_data(as_text=True)
    assert Case.select().count() == 0 and stored(app) == []


def test_photos_are_reencoded_without_metadata_or_anything_appended(login, app_world, app, clock):
    member = login("member")
    response = member.post("/cases/new?grid=G1", intake(app_world, tagged_jpeg(), "../../static/js/app.js"),
                           token_from="/cases/new?grid=G1", content_type="multipart/form-data")
    assert response.status_code == 303
    photo = Attachment.get()
    # A random name of the app's own making, whatever the upload was called.
    assert re.fullmatch(r"[0-9a-f]{32}\.jpg", photo.path) and re.fullmatch(r"[0-9a-f]{32}\.thumb\.jpg", photo.thumb_path)
    assert stored(app) == sorted([photo.path, photo.thumb_path])
    with open(os.path.join(app.config["UPLOAD_FOLDER"], photo.path), "rb") as handle:
        data = handle.read()
    assert PAYLOAD not in data and b"Phone Maker" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "JPEG" and image.size == (120, 90) and len(image.getexif()) == 0
    served = member.get(f"/attachments/{photo.id}")
    assert served.status_code == 200 and served.mimetype == "image/jpeg"
    assert served.headers["X-Content-Type-Options"] == "nosniff" and served.get_data() == data
    served.close()


def test_photos_live_outside_the_static_folder(tmp_path, monkeypatch):
    """By default in the instance folder; never anything /static/ would serve."""
    monkeypatch.delenv("UPLOAD_FOLDER", raising=False)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}", "SECRET_KEY": "k"})
    uploads = os.path.realpath(app.config["UPLOAD_FOLDER"])
    static = os.path.realpath(app.static_folder)
    assert uploads == os.path.realpath(os.path.join(app.instance_path, "uploads"))
    assert os.path.commonpath([uploads, static]) != static
