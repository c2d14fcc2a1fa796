"""A double-submitted intake form (a double tap, a retry after a lost answer, two at the same
moment) records one case; every twin lands on that case; the photos of the twins that recorded
nothing are removed; a key sent with another person's or grid's form hands out nothing."""
import io
import os
import threading
from datetime import timedelta

import pytest
from PIL import Image

from app.views import intake
from tests.factories import T0, new_case
from workflows.models import Attachment, Case, CaseEvent

NOW = T0 + timedelta(hours=2)
KEY = "c" * 32


# The `clock` fixture (tests/conftest.py) stops the app's clock here.
CLOCK_AT = NOW


def jpeg(colour):
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), colour).save(buffer, "JPEG")
    return buffer.getvalue()


def form(w, colour=(10, 120, 200), **fields):
    """The intake form as the tablet sends it, with one photo."""
    data = {"category": w.litter.id, "title": "", "description": "东门垃圾两天未清运", "building": "", "unit": "",
            "location_text": "东门", "lat": "", "lng": "", "urgency": "", "source": "patrol", "reporter_name": "",
            "reporter_phone": "", "intake_key": KEY, "photos": (io.BytesIO(jpeg(colour)), "IMG.jpg")}
    data.update(fields)
    return data


def submit(client, data, grid="G1"):
    """Post the form; returns (status, the flash message on the page it lands on)."""
    response = client.post(f"/cases/new?grid={grid}", data, token_from=f"/cases/new?grid={grid}",
                           content_type="multipart/form-data")
    if response.status_code != 303:
        return response.status_code, response.get_data(as_text=True)
    landed = client.get(response.headers["Location"]).get_data(as_text=True)
    return 303, landed.split('class="flash">', 1)[1].split("</p>", 1)[0]


def stored(app):
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.exists(folder) else []


def recorded_files():
    return sorted(p for a in Attachment.select() for p in (a.path, a.thumb_path))


def test_a_retry_lands_on_the_case_the_first_submission_created(login, app_world, app, clock):
    member = login("member")
    first = submit(member, form(app_world, handle_now="y", note="已现场清理"))
    case = Case.get()
    assert first == (303, f"事件{case.number}已登记。")
    # The answer was lost on a bad connection: the tablet sends the same form again, new photo and all.
    again = submit(member, form(app_world, colour=(200, 20, 20), handle_now="y", note="已现场清理"))
    assert again == first
    assert Case.select().count() == 1 and Case.get().version == 2
    assert [e.event for e in CaseEvent.select().order_by(CaseEvent.seq)] == ["create", "handle"]
    assert Attachment.select().count() == 1 and stored(app) == recorded_files()


def test_two_simultaneous_submissions_record_one_case_and_keep_one_set_of_photos(login, app_world, app, clock,
                                                                                 monkeypatch):
    """Both twins have stored their photos before either opens its transaction: the race is real."""
    both_stored = threading.Barrier(2, timeout=30)
    real = intake.process_photos

    def process_then_wait(files, kind):
        photos = real(files, kind=kind)
        both_stored.wait()
        return photos

    monkeypatch.setattr(intake, "process_photos", process_then_wait)
    clients = [login("member"), login("member")]
    for client in clients:
        client.token("/cases/new?grid=G1")  # warm up: the barrier must meet the two posts, nothing else
    results = [None, None]

    def tap(index, colour):
        results[index] = submit(clients[index], form(app_world, colour=colour))

    taps = [threading.Thread(target=tap, args=(i, colour)) for i, colour in enumerate(((10, 120, 200), (200, 20, 20)))]
    for thread in taps:
        thread.start()
    for thread in taps:
        thread.join(60)
    case = Case.get()
    assert results == [(303, f"事件{case.number}已登记。")] * 2
    assert Case.select().count() == 1 and CaseEvent.select().count() == 1
    assert Attachment.select().count() == 1
    assert stored(app) == recorded_files()  # the losing twin's photo and thumbnail are gone


@pytest.mark.parametrize("username, grid", [("member2", "G1"), ("lead_g2", "G2")])
def test_a_key_sent_with_another_form_hands_out_nothing(login, app_world, app, clock, username, grid):
    submit(login("member"), form(app_world))
    number = Case.get().number
    status, html = submit(login(username), form(app_world, colour=(0, 200, 0)), grid=grid)
    assert status == 409 and "该表单已被他人使用或用于其他操作" in html and number not in html
    assert Case.select().count() == 1 and Attachment.select().count() == 1
    assert stored(app) == recorded_files()


def test_an_event_posted_with_another_users_request_key_is_refused_not_replayed(login, app_world, clock):
    """A borrowed request key once answered as if the action had worked (nothing changed)."""
    case = new_case(app_world)
    owner, borrower = login("member"), login("member2")
    page = f"/cases/{case.id}"
    first = owner.post(f"/cases/{case.id}/events/report", {"version": 1, "note": "上报", "request_key": "k" * 32},
                       token_from=page)
    assert first.status_code == 303
    before = CaseEvent.select().count()
    response = borrower.post(f"/cases/{case.id}/events/report", {"version": 2, "note": "上报", "request_key": "k" * 32},
                             token_from=page)
    assert response.status_code == 409
    assert "该表单已被他人使用或用于其他操作" in response.get_data(as_text=True)
    assert CaseEvent.select().count() == before
    retry = owner.post(f"/cases/{case.id}/events/report", {"version": 1, "note": "上报", "request_key": "k" * 32},
                       token_from=page)
    assert retry.status_code == 303 and CaseEvent.select().count() == before  # the owner's retry is harmless
