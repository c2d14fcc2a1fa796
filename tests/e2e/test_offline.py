"""Recording cases with no signal, in a real Chromium with its service worker (Workbox) and IndexedDB.

The context goes offline with `context.set_offline(True)`; what was recorded meanwhile waits in the
outbox and is sent when the connection returns or the app is opened again — each case once, whatever
retries happen (the server's intake key). At a phone's and a tablet's size.
"""
import pytest
from PIL import Image

from tests.e2e.conftest import sign_in
from tests.factories import PASSWORD
from workflows.models import Attachment, Case, CaseEvent, Category

SIZES = {"phone": {"width": 390, "height": 844}, "tablet": {"width": 768, "height": 1024}}
MAX_SIDE = 2560  # app/config.py PHOTO_MAX_SIDE


@pytest.fixture(params=sorted(SIZES))
def context(request, browser):
    """A browser context that lets service workers run, at a phone's or a tablet's size."""
    context = browser.new_context(viewport=SIZES[request.param], locale="zh-CN", has_touch=True,
                                  service_workers="allow")
    context.size_name = request.param
    yield context
    context.close()


@pytest.fixture
def photos(tmp_path):
    """Two large photos, bigger than the server keeps (3000 px wide)."""
    paths = []
    for i, colour in enumerate([(200, 40, 40), (40, 160, 90)]):
        path = tmp_path / f"photo{i}.png"
        Image.new("RGB", (3000, 2000), colour).save(path)
        paths.append(str(path))
    return paths


def ready_offline(page, base):
    """One online visit (the landing page after signing in): the worker installs itself and keeps, of its own
    accord, the pages needed offline — the new-case form among them, though it was never opened."""
    page.wait_for_function("() => localStorage.getItem('gridcase-kept-for')", timeout=20000)


def record(page, category, description, photos):
    """Fill and submit the new-case form (offline: it goes to the outbox)."""
    page.locator("label.chip", has_text=category).first.click()
    page.fill("textarea[name=description]", description)
    page.set_input_files("input[name=photos]", photos)
    page.click("#submit-case")
    page.wait_for_selector("#outbox-note:not([hidden])")
    page.wait_for_function("() => !document.querySelector('#submit-case').disabled")


def outbox_count(page):
    """The count the header's outbox entry shows."""
    page.wait_for_selector('a.outbox-link[href="/outbox"][data-waiting]')
    return int(page.get_attribute('a.outbox-link[href="/outbox"]', "data-waiting"))


def statuses(page):
    """The status of each item on the outbox page, in order."""
    return page.eval_on_selector_all("#outbox-list li", "items => items.map(li => li.dataset.status)")


def stored_photo_sides(page):
    """The longest side of each photo kept in the browser for the outbox."""
    return page.evaluate("""async () => {
        const items = await window.gridcaseOutbox.items();
        const sides = [];
        for (const item of items) for (const photo of item.photos) {
            const bitmap = await createImageBitmap(photo.blob);
            sides.push([Math.max(bitmap.width, bitmap.height), photo.blob.type, photo.blob.size]);
        }
        return sides;
    }""")


def test_three_cases_recorded_offline_are_sent_once_each_when_the_app_is_opened_again(
        live_server, context, app_world, photos, artifact):
    base = live_server.url
    page = context.new_page()
    complaints = []
    page.on("console", lambda message: complaints.append(message.text)
            if "Content Security Policy" in message.text else None)
    sign_in(page, base, "member", PASSWORD)
    ready_offline(page, base)

    context.set_offline(True)
    page.goto(f"{base}/cases/new?grid=G1")  # from the worker's copy
    assert page.locator("#intake").count() == 1
    record(page, "垃圾堆放", "地下室一", photos)
    record(page, "污水外溢", "地下室二", photos[:1])
    page.reload()  # the form again, still offline
    record(page, "违法建设", "楼梯间三", photos[1:])
    assert outbox_count(page) == 3
    sides = stored_photo_sides(page)
    assert len(sides) == 4
    assert all(side == MAX_SIDE and kind == "image/jpeg" for side, kind, _size in sides), sides
    page.screenshot(path=artifact(f"offline-form-{context.size_name}.png"), full_page=True)
    page.goto(f"{base}/outbox")
    page.wait_for_selector("#outbox-list li")
    assert statuses(page) == ["waiting", "waiting", "waiting"]
    assert complaints == []  # the worker, the module script and the outbox run under the strict policy
    assert Case.select().count() == 0
    page.close()

    # The browser comes back later, with a signal: opening the app sends the outbox.
    context.set_offline(False)
    page = context.new_page()
    page.goto(f"{base}/outbox")
    page.wait_for_function("() => [...document.querySelectorAll('#outbox-list li')].length === 3 && "
                           "[...document.querySelectorAll('#outbox-list li')].every(li => li.dataset.status === 'sent')",
                           timeout=30000)
    page.screenshot(path=artifact(f"offline-outbox-sent-{context.size_name}.png"), full_page=True)
    assert outbox_count(page) == 0
    cases = list(Case.select().order_by(Case.id))
    assert [c.description for c in cases] == ["地下室一", "地下室二", "楼梯间三"]  # in the order recorded
    assert len({c.intake_key for c in cases}) == 3
    for case, n_photos in zip(cases, [2, 1, 1]):
        assert CaseEvent.select().where(CaseEvent.case == case.id).count() == 1
        stored = list(Attachment.select().join(CaseEvent).where(CaseEvent.case == case.id))
        assert len(stored) == n_photos and all(a.width == MAX_SIDE for a in stored)
    numbers = page.eval_on_selector_all("#outbox-list a.number", "links => links.map(a => a.textContent)")
    assert numbers == [c.number for c in cases]
    page.click("#outbox-list a.number >> nth=0")
    page.wait_for_url(f"**/cases/{cases[0].id}")


def test_a_refused_item_shows_the_reason_and_is_corrected_and_sent(live_server, context, app_world, photos, artifact):
    base = live_server.url
    page = context.new_page()
    sign_in(page, base, "member", PASSWORD)
    ready_offline(page, base)
    context.set_offline(True)
    page.goto(f"{base}/cases/new?grid=G1")
    record(page, "垃圾堆放", "退回的一件", photos[:1])
    # Meanwhile the category is retired on the server.
    Category.update(active=False).where(Category.id == app_world.litter.id).execute()
    context.set_offline(False)
    page.goto(f"{base}/outbox")
    page.wait_for_selector("#outbox-list li[data-status=refused]", timeout=30000)
    reason = page.text_content("#outbox-list li .reason")
    assert "垃圾堆放" in reason and "停用" in reason
    assert outbox_count(page) == 1  # refused is never dropped: it still counts
    page.screenshot(path=artifact(f"offline-refused-{context.size_name}.png"), full_page=True)
    assert Case.select().count() == 0

    page.click("#outbox-list li a.correct")
    page.wait_for_selector("#outbox-note:not([hidden])")
    assert page.input_value("textarea[name=description]") == "退回的一件"
    page.locator("label.chip", has_text="污水外溢").first.click()
    page.click("#submit-case")
    page.wait_for_url(f"{base}/outbox")
    page.wait_for_selector("#outbox-list li[data-status=sent]", timeout=30000)
    assert statuses(page) == ["sent"]
    case = Case.get()
    assert case.category_id == app_world.urgent.id and case.description == "退回的一件"
    assert Attachment.select().join(CaseEvent).where(CaseEvent.case == case.id).count() == 1
    assert Case.select().count() == 1

    # A week later the sent item leaves the list; a refused one, however old, stays.
    page.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("gridcase");
        open.onsuccess = () => {
            const tx = open.result.transaction("outbox", "readwrite");
            const store = tx.objectStore("outbox");
            const old = new Date(Date.now() - 8 * 86400000).toISOString();
            store.getAll().onsuccess = (event) => {
                const item = event.target.result[0];
                store.put(Object.assign({}, item, {sentAt: old}));
                delete item.id;
                store.add(Object.assign(item, {status: "refused", created: old, sentAt: old, reason: "旧的退回"}));
            };
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
        };
    })""")
    page.reload()
    page.wait_for_selector("#outbox-list li")
    assert statuses(page) == ["refused"]


def test_two_tabs_sending_at_once_and_a_lost_answer_still_create_each_case_once(
        live_server, context, app_world, photos):
    base = live_server.url
    first = context.new_page()
    sign_in(first, base, "member", PASSWORD)
    ready_offline(first, base)
    second = context.new_page()
    second.goto(f"{base}/outbox")
    second.wait_for_function("() => window.gridcaseOutbox && navigator.serviceWorker.controller", timeout=20000)

    context.set_offline(True)
    first.goto(f"{base}/cases/new?grid=G1")
    for i in range(3):
        record(first, "垃圾堆放", f"两个标签页{i}", photos[:1])
    # Both tabs see the connection return and send at the same moment.
    context.set_offline(False)
    for tab in (first, second):
        tab.evaluate("() => { window.gridcaseOutbox.sync(); }")
    second.wait_for_function("() => document.querySelectorAll('#outbox-list li').length === 3"
                             " && [...document.querySelectorAll('#outbox-list li')].every(li => li.dataset.status === 'sent')",
                             timeout=30000)
    numbers = sorted(c.number for c in Case.select())
    assert len(numbers) == 3

    # Every answer was lost (the items look unsent): both tabs send everything again, at once.
    second.evaluate("""() => new Promise((resolve, reject) => {
        const open = indexedDB.open("gridcase");
        open.onsuccess = () => {
            const tx = open.result.transaction("outbox", "readwrite");
            const store = tx.objectStore("outbox");
            store.getAll().onsuccess = (event) => {
                for (const item of event.target.result) { item.status = "sending"; store.put(item); }
            };
            tx.oncomplete = () => resolve();
            tx.onerror = () => reject(tx.error);
        };
    })""")
    first.evaluate("() => { window.gridcaseOutbox.sync(); }")
    second.evaluate("() => Promise.all([window.gridcaseOutbox.sync(), window.gridcaseOutbox.sync()])")
    first.evaluate("() => window.gridcaseOutbox.sync()")
    items = second.evaluate("() => window.gridcaseOutbox.items()")
    assert [item["status"] for item in items] == ["sent", "sent", "sent"]
    assert sorted(item["number"] for item in items) == numbers
    assert sorted(c.number for c in Case.select()) == numbers
    assert CaseEvent.select().count() == 3



def test_server_trouble_stops_the_round_and_the_order_holds(live_server, context, app_world, photos):
    base = live_server.url
    page = context.new_page()
    sign_in(page, base, "member", PASSWORD)
    ready_offline(page, base)
    context.set_offline(True)
    page.goto(f"{base}/cases/new?grid=G1")
    record(page, "垃圾堆放", "先记的", photos[:1])
    record(page, "污水外溢", "后记的", [])
    answered = []

    def unavailable(route):
        if route.request.method != "POST":
            route.continue_()
            return
        answered.append("后记的".encode() in (route.request.post_data_buffer or b""))
        route.fulfill(status=503, body="database unavailable", headers={"Retry-After": "30"})

    context.route("**/cases/new?grid=G1", unavailable)
    context.set_offline(False)
    page.evaluate("() => window.gridcaseOutbox.sync()")
    items = page.evaluate("() => window.gridcaseOutbox.items()")
    # The first item was tried (once per round: the return of the connection and this call may both start
    # one); each round stopped there, so the second was never sent before it.
    assert answered and not any(answered)
    assert [item["status"] for item in items] == ["waiting", "waiting"]
    assert Case.select().count() == 0

    context.unroute("**/cases/new?grid=G1")
    page.evaluate("() => window.gridcaseOutbox.sync()")
    items = page.evaluate("() => window.gridcaseOutbox.items()")
    assert [item["status"] for item in items] == ["sent", "sent"]
    assert [c.description for c in Case.select().order_by(Case.id)] == ["先记的", "后记的"]
