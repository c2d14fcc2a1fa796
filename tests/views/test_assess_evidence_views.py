"""Evidence files with the assessment's entries: a grid's lead and the assessor attach photos and PDFs to a
score; the files are stored under random names, listed with the entry and served only to those who may see
the grid's entries; a bad upload is a 400 in Chinese that saves nothing (no entry, no file). Also the
信息更新及时 item's weeks as the assessment page opens them."""
import io
import os
from datetime import date, datetime

import pytest
from PIL import Image

from workflows import assess
from workflows.models import AssessEntry, AssessEvidence
from workflows.registry.roundup import acknowledge

NOW = datetime(2025, 6, 10, 10, 0)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def jpeg():
    buffer = io.BytesIO()
    Image.new("RGB", (80, 60), (200, 30, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def w(app, app_world, clock):
    clock.set(NOW)
    w = app_world
    scheme = assess.scheme_for(w.street, 2025, w.street_disp, datetime(2025, 1, 2, 9))
    w.item = assess.add_item(scheme, w.street_disp, datetime(2025, 1, 2, 9), kind="manual", title="工作台账",
                             max_points=100)
    w.page = f"/assess?scope={w.street.id}&year=2025"
    return w


def files(app):
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.exists(folder) else []


def fetch(client, url):
    """GET a file, closing the response (the file it streams) once read."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def self_entry(client, w, *uploads, points="90"):
    data = {"quarter": "1", "points": points, "note": "台账齐全", "evidence": [(io.BytesIO(d), n) for d, n in uploads]}
    return client.post(f"/assess/self/{w.item.id}", data, token_from="/assess/self?year=2025",
                       content_type="multipart/form-data")


def review_entry(client, w, *uploads, points="80", grid=None):
    data = {"grid": (grid or w.g1).id, "item": w.item.id, "quarter": "1", "points": points, "note": "复核",
            "evidence": [(io.BytesIO(d), n) for d, n in uploads]}
    return client.post("/assess/entries", data, token_from=w.page, content_type="multipart/form-data")


def test_the_lead_attaches_a_photo_and_a_pdf_listed_and_served_to_who_may_see_them(app, login, w):
    lead = login("lead")
    response = self_entry(lead, w, (jpeg(), "现场照片.jpg"), (PDF, "工作台账 一季度.pdf"))
    assert response.status_code == 303, response.get_data(as_text=True)
    entry = AssessEntry.get()
    photo, pdf = AssessEvidence.select().order_by(AssessEvidence.id)
    assert (photo.entry_id, photo.original_name, photo.content_type, photo.uploaded_by_id) == (
        entry.id, "现场照片.jpg", "image/jpeg", w.lead.id)
    assert (pdf.original_name, pdf.content_type, pdf.size, pdf.at) == ("工作台账 一季度.pdf", "application/pdf",
                                                                       len(PDF), NOW)
    # On disk: random names only (the photo, its thumbnail, the PDF), never the uploaded names.
    assert files(app) == sorted([photo.path, photo.thumb_path, pdf.path])
    assert pdf.path.endswith(".pdf") and len(pdf.path) == 36 and "台账" not in "".join(files(app))
    # Listed with the entry on the lead's page and on the assessor's page.
    html = lead.get("/assess/self?year=2025").get_data(as_text=True)
    assert f"/assess/evidence/{pdf.id}" in html and "工作台账 一季度.pdf" in html
    assert f"/assess/evidence/{photo.id}/thumb" in html
    office = login("street_disp")
    section = office.get(w.page).get_data(as_text=True).split('id="assess-entries"')[1]
    assert f"/assess/evidence/{pdf.id}" in section and "现场照片.jpg" in section
    # Served to the lead and the assessor: the PDF as a download under its uploaded name, the photo as a JPEG.
    for client in (lead, office, login("district_disp"), login("supervisor"), login("admin")):
        got = fetch(client, f"/assess/evidence/{pdf.id}")
        assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
        assert got.headers["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''" in got.headers["Content-Disposition"]
        shown = fetch(client, f"/assess/evidence/{photo.id}")
        assert shown.status_code == 200 and shown.mimetype == "image/jpeg"
        assert Image.open(io.BytesIO(shown.data)).size == (80, 60)
        assert fetch(client, f"/assess/evidence/{photo.id}/thumb").status_code == 200
    assert fetch(lead, f"/assess/evidence/{pdf.id}/thumb").status_code == 404  # a PDF has no thumbnail


def test_another_grid_another_area_and_other_roles_get_no_file(app, login, w, client):
    office = login("street_disp")
    assert review_entry(office, w, (PDF, "复核记录.pdf")).status_code == 303
    pdf = AssessEvidence.get()
    url = f"/assess/evidence/{pdf.id}"
    for username in ("lead_g2", "other_street_disp", "community", "other_supervisor"):  # may see entries, not these
        assert login(username).get(url).status_code == 404, username
    for username in ("member", "member_g2", "member_g4", "handler", "building_head"):  # no entries at all
        assert login(username).get(url).status_code == 403, username
    assert fetch(login("lead"), url).status_code == 200  # the grid's own lead sees the assessor's evidence
    assert client.get(url).status_code in (302, 303)  # a visitor is sent to sign in
    assert office.get("/assess/evidence/987654").status_code == 404


@pytest.mark.parametrize("upload, words", [
    ((b"<html><script>alert(1)</script></html>", "台账.pdf"), "不是照片也不是 PDF"),  # forged extension
    ((b"MZ\x90\x00binary", "tool.exe"), "不是照片也不是 PDF"),
    ((PDF, "台账.jpg"), "不是照片也不是 PDF"),  # a PDF dressed as a photo
    ((jpeg(), "photo.pdf"), "不是照片也不是 PDF"),  # a photo dressed as a PDF
    ((b"GIF89a-not-really", "x.gif"), "不是照片"),
    ((b"", "空.pdf"), "是空文件"),
    ((PDF + b"0" * 2048, "big.pdf"), "MB"),  # over the (lowered) PDF limit
])
def test_a_bad_upload_is_refused_in_chinese_and_saves_nothing(app, login, w, upload, words):
    app.config["MAX_EVIDENCE_PDF_BYTES"] = 1024
    lead, office = login("lead"), login("street_disp")
    for send in (lambda: self_entry(lead, w, (jpeg(), "好的照片.jpg"), upload),
                 lambda: review_entry(office, w, (jpeg(), "好的照片.jpg"), upload)):
        response = send()
        assert response.status_code == 400
        assert words in response.get_data(as_text=True)
        assert AssessEntry.select().count() == 0 and AssessEvidence.select().count() == 0
        assert files(app) == []  # the good photo stored first was removed again


def test_a_refused_score_keeps_no_file(app, login, w):
    response = self_entry(login("lead"), w, (PDF, "台账.pdf"), points="101")  # over the item's maximum
    assert response.status_code == 400
    assert AssessEntry.select().count() == 0 and AssessEvidence.select().count() == 0 and files(app) == []
    response = review_entry(login("street_disp"), w, (PDF, "台账.pdf"), grid=w.g4)  # another street's grid
    assert response.status_code == 404 and files(app) == [] and AssessEvidence.select().count() == 0


def test_a_later_entry_carries_its_own_evidence_and_the_earlier_keeps_its_own(app, login, w):
    lead = login("lead")
    assert self_entry(lead, w, (PDF, "初稿.pdf")).status_code == 303
    assert self_entry(lead, w, (PDF, "终稿.pdf"), points="95").status_code == 303
    first, second = AssessEntry.select().order_by(AssessEntry.id)
    old, new = AssessEvidence.select().order_by(AssessEvidence.id)
    assert (old.entry_id, new.entry_id) == (first.id, second.id)
    html = lead.get("/assess/self?year=2025").get_data(as_text=True)
    assert "终稿.pdf" in html and "初稿.pdf" not in html  # the page shows the entry that counts
    assert fetch(lead, f"/assess/evidence/{old.id}").data == PDF  # nothing is deleted
    assert self_entry(lead, w, points="96").status_code == 303  # evidence is optional
    assert AssessEvidence.select().count() == 2 and len(files(app)) == 2


def test_the_registry_updates_item_opens_its_weeks(app, login, w, clock):
    clock.set(datetime(2025, 1, 21, 9))  # 2025's first week began on Monday 6 January: 2 weeks have ended
    item = assess.add_item(w.item.scheme, w.street_disp, datetime(2025, 1, 2, 9), kind="auto", title="信息更新及时",
                           max_points=100, metric="registry_updates")
    acknowledge(w.community, datetime(2025, 1, 13, 9), w.g1, date(2025, 1, 6), note="已阅")
    office = login("street_disp")
    html = office.get(w.page).get_data(as_text=True)
    assert "社区已确认每周信息汇总的已结束周数" in html  # the formula, in Chinese
    assert ">50.0<" in html and "1/2" in html  # grid 1: 1 of 2 weeks
    drill = office.get(f"{w.page}&item={item.id}&grid={w.g1.id}").get_data(as_text=True)
    section = drill.split('<section id="drill"')[1].split("</section>")[0]
    assert "2025-01-06 起一周" in section and "2025-01-13 起一周" in section and "未确认" in section
    assert section.count("已确认") == 1
