"""Staff profile photos: set by the person or an administrator, re-encoded, refused when not a photo, every
change kept; the public grid sign shows photo, name, duty and phone."""
import io
import os

from PIL import Image

from workflows.models import PortraitChange, User


def jpeg(size=(300, 400)):
    buffer = io.BytesIO()
    image = Image.new("RGB", size, (10, 120, 200))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # the camera's make: gone after re-encoding
    image.save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def upload(client, user_id, data, name="me.jpg"):
    return client.post(f"/people/{user_id}/photo", {"photo": (io.BytesIO(data), name)}, token_from="/account/password",
                       content_type="multipart/form-data")


def test_a_member_sets_their_photo_and_the_sign_shows_it(login, app, app_world):
    w = app_world
    User.update(duties="负责一网格巡查", phone="13800001111", publish_phone=True).where(User.id == w.member.id).execute()
    member = login("member")
    response = upload(member, w.member.id, jpeg())
    assert response.status_code == 303 and response.headers["Location"].endswith("/account/password")
    person = User.get_by_id(w.member.id)
    stored = os.path.join(app.config["UPLOAD_FOLDER"], person.photo)
    with Image.open(stored) as image:
        assert image.format == "JPEG" and image.size == (300, 400) and 0x010F not in image.getexif()
    assert [(c.person_id, c.set_by_id, c.photo) for c in PortraitChange.select()] == [(w.member.id, w.member.id, person.photo)]

    sign = member.get("/g/G1").get_data(as_text=True)
    assert f'/g/G1/people/{w.member.id}/photo' in sign
    assert "负责一网格巡查" in sign and "13800001111" in sign
    shown = member.get(f"/g/G1/people/{w.member.id}/photo")
    shown.close()
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
    assert "个人照片" in member.get("/account/password").get_data(as_text=True)


def test_an_administrator_sets_anyones_photo_and_earlier_ones_are_kept(login, app_world):
    w = app_world
    admin = login("admin")
    first = upload(admin, w.lead.id, jpeg())
    assert first.status_code == 303 and f"/admin/users/{w.lead.id}" in first.headers["Location"]
    assert upload(admin, w.lead.id, jpeg((200, 200))).status_code == 303
    changes = list(PortraitChange.select().order_by(PortraitChange.id))
    assert len(changes) == 2 and {c.set_by_id for c in changes} == {w.admin.id}
    assert User.get_by_id(w.lead.id).photo == changes[-1].photo != changes[0].photo
    assert "profile-photo" in admin.get(f"/admin/users/{w.lead.id}").get_data(as_text=True)


def test_someone_elses_photo_and_a_file_that_is_no_photo_are_refused(login, app, app_world):
    w = app_world
    member = login("member")
    assert upload(member, w.lead.id, jpeg()).status_code == 404
    refused = upload(member, w.member.id, b"%PDF-1.4 not a photo", name="scan.jpg")
    assert refused.status_code == 400 and "不是照片" in refused.get_data(as_text=True)
    empty = member.post(f"/people/{w.member.id}/photo", {}, token_from="/account/password")
    assert empty.status_code == 400 and "请先选择照片" in empty.get_data(as_text=True)
    assert PortraitChange.select().count() == 0 and User.get_by_id(w.member.id).photo is None
    folder = app.config["UPLOAD_FOLDER"]
    assert not os.path.exists(folder) or os.listdir(folder) == []
