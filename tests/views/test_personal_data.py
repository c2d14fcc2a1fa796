"""Reporters' contacts on screens: whole on the case page for those who call the resident back,
masked there for everyone else, and on no other page, export or API answer for anyone.

Every case of the access world carries the same reporter (REPORTER_NAME, REPORTER_PHONE), so a
page that shows any case would show them if it showed contacts at all. The pages come from the
access matrix (every GET route with an object, each role's in-scope object) and its list of
object-free routes, so a new page is checked as soon as the matrix knows it.
"""
import io
import zipfile

import pytest

from tests.views.access_world import MASKED_PHONE, REPORTER_NAME, REPORTER_PHONE
from tests.views.test_access_matrix import CASES, MATRIX, OBJECT_FREE, ROLES, client_for, send

# Who calls the resident back or follows the case up on site (written out, not asked of the app).
SEES_CONTACT = {"member", "lead", "community", "street", "district"}
CASE_PAGE = "/cases/<id:case_id>"
PUBLIC_PAGES = ("/open311/v2/requests.json", "/open311/v2/requests.xml", "/track")
MASKED_NAME = REPORTER_NAME[0] + "*" * (len(REPORTER_NAME) - 1)


def text_of(response):
    """What a person could read in the response: the page, or every sheet of a workbook."""
    body = response.get_data()
    if body[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(body)) as book:
            return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())
    return body.decode("utf-8", "replace")


@pytest.mark.parametrize("role", [r for r in ROLES if r not in ("anonymous", "building_head")])  # those see no case
def test_the_case_page_shows_the_contact_whole_or_masked_by_role(app, access, role):
    client, _token = client_for(app, role)
    case = access.case(CASES[role][0])
    html = client.get(f"/cases/{case.id}").get_data(as_text=True)
    contact = html.split('id="reporter-contact"', 1)[1].split("</dd>", 1)[0]
    if role in SEES_CONTACT:
        assert REPORTER_NAME in contact and REPORTER_PHONE in contact
    else:
        assert REPORTER_PHONE not in html and REPORTER_NAME not in html
        assert MASKED_PHONE in contact and MASKED_NAME in contact and "负责回访" in contact


@pytest.mark.parametrize("role", ROLES)
def test_no_other_page_export_or_api_answer_shows_a_reporters_contact(app, access, role):
    client, token = client_for(app, role)
    pages = []
    for entry in MATRIX:
        inside = entry.scopes[role][0]
        if entry.method != "GET" or entry.rule == CASE_PAGE or inside is None or role not in entry.allowed:
            continue
        pages.append(entry.path(access, entry.make(access, inside), role))
    if role != "anonymous":
        pages += [url for (rule, method), (url, _reason) in OBJECT_FREE.items() if method == "GET"]
        pages += ["/cases?state=found", "/ledger/export.csv", "/ledger/export.xlsx", "/stats/export.xlsx"]
    pages += list(PUBLIC_PAGES)
    shown, read = [], 0
    for url in pages:
        response = send(client, token, "GET", url)
        if response.status_code != 200:
            continue
        read += 1
        text = text_of(response)
        for secret in (REPORTER_PHONE, REPORTER_NAME, MASKED_PHONE):
            if secret in text:
                shown.append(f"{url} shows {secret}")
    assert shown == []
    assert read >= (5 if role == "anonymous" else 15), f"only {read} pages could be read as {role}"
