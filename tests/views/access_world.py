"""The world the access matrix and the personal-data tests run in.

The small world of tests/factories.py plus a second district (D2 › S3 › C4 › G5) so that even a
district office has something out of its scope, an inactive grid, people in every grid, and one
object of every kind at every place: cases (each carrying a reporter's contact), photos, notices,
patrols, point people and entries, reopen requests, a closed public case with an after-photo.
Places are short names: grids g1…g5, communities c1…c4, streets s1…s3, districts d1, d2,
departments sanitation, police (street S1), far (street S2), far2 (street S3), env (district D1).
"""
import io
import os
import uuid
from datetime import date, timedelta

from PIL import Image

from app.open311 import issue_api_key
from app.seed import seed_rules
from tests.factories import T0, password_hash
from tests.public_helpers import make_public
from workflows import notices
from workflows.clock import Clock
from workflows.db import write_transaction
from workflows.models import (
    Attachment,
    Building,
    CalendarDay,
    Case,
    Department,
    Notice,
    OrgUnit,
    Patrol,
    PointPerson,
    PointRule,
    ReopenRequest,
    ResidentRating,
    Task,
    User,
)
from workflows.points import record_service
from workflows.residents import new_tracking_code
from workflows.service import SystemActor, fire, open_case

NOW = T0 + timedelta(hours=2)  # Monday 2 March 2026, 11:00
CLOCK = Clock()
# Every case carries this contact: it must show only where the policy's case.contact rule allows it.
REPORTER_NAME = "柯秀英"
REPORTER_PHONE = "13912345678"
MASKED_PHONE = "139****5678"


def jpeg(colour=(120, 60, 20)):
    """A small real JPEG."""
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, "JPEG")
    return buffer.getvalue()


class AccessWorld:
    """Objects by kind and place, made once; `fresh=True` makes a new one for a request that changes it."""

    def __init__(self, app, w):
        self.app, self.w = app, w
        self.upload = app.config["UPLOAD_FOLDER"]
        os.makedirs(self.upload, exist_ok=True)
        make_public(w)
        seed_rules()
        w.d2 = OrgUnit.create(kind="district", code="D2", name="邻区")
        w.s3 = OrgUnit.create(kind="street", code="S3", name="邻区街道", parent=w.d2)
        w.c4 = OrgUnit.create(kind="community", code="C4", name="邻区社区", parent=w.s3)
        w.g5 = OrgUnit.create(kind="grid", code="G5", name="邻区网格", parent=w.c4)
        w.g9 = OrgUnit.create(kind="grid", code="G9", name="撤销网格", parent=w.c1, active=False)
        w.far2 = Department.create(code="far2", name="邻区环卫", org=w.s3)
        for grid, west in ((w.g4, 121.0), (w.g5, 121.1)):  # every grid drawn (far from the public tests' points)
            OrgUnit.update(polygon=[[west, 31.0], [west + 0.004, 31.0], [west + 0.004, 31.003]]).where(
                OrgUnit.id == grid.id).execute()
        for username, role, org in (("member_g3", "member", w.g3), ("member_g5", "member", w.g5),
                                    ("lead_g5", "lead", w.g5)):
            setattr(w, username, User.create(username=username, name=username, role=role, org=org,
                                             password_hash=password_hash()))
        self.places = {
            "g1": w.g1, "g2": w.g2, "g3": w.g3, "g4": w.g4, "g5": w.g5, "g9": w.g9,
            "c1": w.c1, "c2": w.c2, "c3": w.c3, "c4": w.c4,
            "s1": w.street, "s2": w.other_street, "s3": w.s3, "d1": w.district, "d2": w.d2,
        }
        self.departments = {"sanitation": w.sanitation, "police": w.police, "far": w.far_dept, "far2": w.far2,
                            "env": w.district_env}
        self.members = {"g1": w.member, "g2": w.member_g2, "g3": w.member_g3, "g4": w.member_g4, "g5": w.member_g5}
        self._made = {}
        # The public objects: a closed case of a public category with an after-photo, a resident
        # case still open, a case of a category residents cannot see, grid workers' photos.
        self.closed = self.closed_case()
        self.after_photo = Attachment.get((Attachment.case == self.closed.id) & (Attachment.kind == "after"))
        self.before_photo = self.attachment_on(self.closed, "before")
        self.open_after_photo = self.attachment_on(self.case("g2"), "after")
        self.hidden_case = self.new_case("g1", category=w.urgent)
        self.api_key, _secret = issue_api_key("12345热线", w.admin, NOW)
        for user in (w.lead, w.member_g5):
            user.photo = self.file("person")
            user.save()
        self.inactive_person = User.create(username="left_g1", name="已离职", role="member", org=w.g1, active=False,
                                           photo=self.file("person"), password_hash=password_hash())
        self.holiday = CalendarDay.create(day=date(2026, 3, 4), workday=False, note="测试", updated_at=NOW)
        # A case at every place, before any request: statistics and boards have something in each.
        for spec in ("g1", "g2", "g3", "g4", "g5", ("g1", "sanitation"), ("g1", "police"), ("g3", "env"),
                     ("g4", "far"), ("g5", "far2")):
            self.case(spec)

    # ---- places and people ----

    def place(self, name):
        """An org unit by its short name."""
        return self.places[name]

    def user(self, username):
        """A user by username."""
        return getattr(self.w, username)

    # ---- files ----

    def file(self, stem):
        """A photo (and its thumbnail) in the upload folder; returns the photo's name."""
        name = f"{stem}-{uuid.uuid4().hex[:8]}"
        data = jpeg()
        for path in (f"{name}.jpg", f"{name}.thumb.jpg"):
            with open(os.path.join(self.upload, path), "wb") as handle:
                handle.write(data)
        return f"{name}.jpg"

    def attachment_on(self, case, kind):
        """A photo of the case, as if uploaded with its first history row."""
        path = self.file(kind)
        return Attachment.create(case=case.id, kind=kind, path=path, thumb_path=path.replace(".jpg", ".thumb.jpg"),
                                 content_type="image/jpeg", width=40, height=30, size=100, sha256="0" * 64,
                                 created_at=NOW)

    # ---- cases ----

    def new_case(self, grid_name, *, category=None, source="resident"):
        """A found case, recorded by the grid's member, carrying a reporter's contact."""
        grid = self.places[grid_name]
        return open_case(grid, self.members[grid_name], T0, category=category or self.w.litter,
                         title=f"{grid.name}楼道堆物", description="东门垃圾两天未清运", source=source,
                         reporter_name=REPORTER_NAME, reporter_phone=REPORTER_PHONE,
                         tracking_code=new_tracking_code() if source == "resident" else None)

    def assigned(self, grid_name, department):
        """A case dispatched to a department (report, escalate, dispatch)."""
        case = self.new_case(grid_name)
        grid = self.places[grid_name]
        fire(case, "report", self.members[grid_name], T0, clock=CLOCK)
        fire(case, "escalate", SystemActor("lead", "网格长", org_id=grid.id), T0, clock=CLOCK, reason="报社区")
        fire(case, "dispatch", SystemActor("dispatcher", "社区网格办", org_id=grid.parent_id), T0, clock=CLOCK,
             department=self.departments[department].id)
        return case

    def reported(self, grid_name):
        """A case a member reported to the lead."""
        case = self.new_case(grid_name)
        fire(case, "report", self.members[grid_name], T0, clock=CLOCK)
        return case

    def closed_case(self):
        """A resident's case in g1, fixed and closed with an after-photo (public by design)."""
        w = self.w
        case = self.new_case("g1")
        photo = self.attachment_fields("after")
        steps = [("report", w.member, {}), ("escalate", w.lead, {"reason": "报社区"}),
                 ("dispatch", w.community, {"department": w.sanitation.id}),
                 ("rectify", w.handler, {"note": "已清运"}), ("verify", w.member, {"note": "整改到位"}),
                 ("close", w.community, {"callback": "satisfied", "note": "销号"})]
        for minutes, (event, actor, data) in enumerate(steps, start=1):
            fire(case, event, actor, T0 + timedelta(minutes=10 * minutes), clock=CLOCK,
                 attachments=[photo] if event == "rectify" else (), **data)
        return Case.get_by_id(case.id)

    def attachment_fields(self, kind):
        """What process_photos returns for one stored photo."""
        path = self.file(kind)
        return {"kind": kind, "path": path, "thumb_path": path.replace(".jpg", ".thumb.jpg"),
                "content_type": "image/jpeg", "width": 40, "height": 30, "size": 100, "sha256": "0" * 64}

    def case(self, spec, fresh=False, state=None):
        """A case at a place: "g1" is a found case there, ("g1", "police") one assigned to that department."""
        key = ("case", spec, state)
        if fresh or key not in self._made:
            if isinstance(spec, tuple):
                case = self.assigned(*spec)
            elif state == "reported":
                case = self.reported(spec)
            else:
                case = self.new_case(spec)
            if fresh:
                return case
            self._made[key] = case
        return self._made[key]

    def photo(self, spec, fresh=False):
        """A photo on the case at the place."""
        key = ("photo", spec)
        if fresh or key not in self._made:
            self._made[key] = self.attachment_on(self.case(spec), "before")
        return self._made[key]

    def notice(self, spec, fresh=False):
        """A level-1 notice on a case at the place (to the grid's lead, or to the department)."""
        key = ("notice", spec)
        if fresh or key not in self._made:
            case = self.case(spec, fresh=True)
            with write_transaction():
                notices.insert_first(notices.Issue(NOW, CLOCK), Case.id == case.id)
            self._made[key] = Notice.get(Notice.case == case.id)
        return self._made[key]

    def reopen_request(self, spec, fresh=False):
        """A resident's 不满意 waiting for a supervisor, on a case at the place."""
        key = ("reopen", spec)
        if fresh or key not in self._made:
            case = self.case(spec, fresh=True)
            rating = ResidentRating.create(case=case.id, rating="dissatisfied", created_at=NOW)
            self._made[key] = ReopenRequest.create(case=case.id, rating=rating.id, created_at=NOW)
        return self._made[key]

    # ---- patrols, points ----

    def patrol(self, username, fresh=False):
        """A patrol in progress by this person in their grid."""
        key = ("patrol", username)
        if fresh or key not in self._made:
            user = self.user(username)
            Patrol.update(ended_at=NOW).where((Patrol.user == user.id) & Patrol.ended_at.is_null()).execute()
            self._made[key] = Patrol.create(user=user.id, grid=user.org_id, started_at=NOW - timedelta(minutes=30))
        return self._made[key]

    def task(self, username, fresh=False):
        """An open task given (by the administrator) to this person in their grid."""
        key = ("task", username)
        if fresh or key not in self._made:
            user = self.user(username)
            self._made[key] = Task.create(title="核查消防通道", org=user.org_id, assignee=user.id, given_by=self.w.admin.id,
                                          due_at=NOW + timedelta(days=1), created_at=NOW - timedelta(hours=1))
        return self._made[key]

    def building_of(self, grid):
        """A building of the grid (made if it has none)."""
        return Building.get_or_none(Building.grid == grid.id) or Building.create(grid=grid, name="9号楼")

    def point_person(self, community_name):
        """Someone who earns points in the community's first grid."""
        key = ("person", community_name)
        if key not in self._made:
            community = self.places[community_name]
            grid = OrgUnit.select().where((OrgUnit.parent == community.id) & (OrgUnit.kind == "grid")
                                          & OrgUnit.active).order_by(OrgUnit.id).first()
            self._made[key] = PointPerson.create(name=f"{community.name}楼长", kind="building_head", grid=grid,
                                                 created_at=NOW)
        return self._made[key]

    def point_entry(self, community_name):
        """A service recorded for the community's person."""
        key = ("entry", community_name)
        if key not in self._made:
            rule = PointRule.get(PointRule.code == "R01")
            self._made[key] = record_service(self.w.admin, self.point_person(community_name), rule,
                                             date(2026, 3, 1), NOW, "疏通下水道")
        return self._made[key]

    def service_rule(self):
        """The points table's first service item."""
        return PointRule.get(PointRule.code == "R01")


def snapshot():
    """Every row of every table a request could change (sessions and rate counters aside), and the files."""
    from app.storage import ALL_MODELS, LoginSession, RateBucket

    rows = {}
    for model in ALL_MODELS:
        if model in (LoginSession, RateBucket):
            continue
        rows[model._meta.table_name] = sorted(
            (tuple(str(value) for value in row) for row in model.select().tuples()), key=repr)
    return rows


def uploads(app):
    """The files in the upload folder."""
    folder = app.config["UPLOAD_FOLDER"]
    return sorted(os.listdir(folder)) if os.path.exists(folder) else []
