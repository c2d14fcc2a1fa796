"""The registry's Excel workbook: one template for import and export (Chinese headers, one example
row), read with openpyxl in read-only mode in two passes — every row checked first, then all rows
written in one transaction, or none. Errors name the sheet, row and column.

Natural keys make a second import of the same file change nothing: houses by grid + building +
unit + room, people by ID number, organisations by grid + name, things by code. Rows that equal
what is stored are skipped; only differences are written (with a dated change row).
"""
import pickle  # nosec B403 # only for the import's own spool file (see _replay)
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from openpyxl import load_workbook

from workflows.db import refresh_statistics, write_transaction
from workflows.sql import insert_rows
from workflows.models import Building, Household, Organisation, OrgUnit, Person, PersonTag, RegistryChange, Room, Thing, Unit
from workflows.policy import can
from workflows.values import calendar_date
from workflows.registry import (
    BIRTH_FIRST,
    TAGS,
    birth_of,
    id_problem,
    mask_id,
    mask_phone,
    normal_id,
    phone_ok,
    tail,
)
from workflows.values import LAST_DAY

# The workbook's words (the import format is Chinese, whatever the interface language).
ZH = {
    "kind": {"self_managed": "自管", "property": "物管", "work_unit": "单位小区"},
    "use": {"owner": "自住", "rented": "出租", "vacant": "空置", "shop": "商铺"},
    "sex": {"male": "男", "female": "女"},
    "residence": {"registered": "户籍", "resident": "常住", "temporary": "暂住", "floating": "流动"},
    "relation": {"head": "户主", "spouse": "配偶", "child": "子女", "parent": "父母", "grandchild": "孙辈",
                 "sibling": "兄弟姐妹", "tenant": "租客", "other": "其他"},
    "org_kind": {"company": "企业", "shop": "商铺", "school": "学校", "social": "社会组织", "public": "机关事业单位"},
    "thing_kind": {"manhole": "井盖", "street_light": "路灯", "hydrant": "消防栓", "camera": "监控探头", "bin": "垃圾桶",
                   "bench": "座椅"},
    "condition": {"good": "完好", "damaged": "损坏", "missing": "丢失"},
    "tag": {"elderly_alone": "独居老人", "empty_nest": "空巢老人", "disabled": "残疾人", "subsistence": "低保",
            "hardship": "困难户", "entitled": "优抚对象", "newborn": "新生儿", "newly_wed": "新婚", "unemployed": "失业人员",
            "floating": "流动人口", "correction": "社区矫正", "released": "安置帮教", "key_person": "重点人员",
            "mental": "严重精神障碍"},
}
FROM_ZH = {kind: {label: code for code, label in words.items()} for kind, words in ZH.items()}

HOUSES, PEOPLE, ORGS, THINGS = "房屋", "人口", "组织", "部件"
# sheet: [(column header, field)]
COLUMNS = {
    HOUSES: [("网格编码", "grid"), ("楼栋", "building"), ("楼栋地址", "address"), ("层数", "floors"), ("管理方式", "kind"),
             ("单元", "unit"), ("户室", "room"), ("楼层", "floor"), ("用途", "use"), ("房东", "landlord"),
             ("房东电话", "landlord_phone")],
    PEOPLE: [("网格编码", "grid"), ("楼栋", "building"), ("单元", "unit"), ("户室", "room"), ("户号", "household"),
             ("姓名", "name"), ("身份证号", "id_number"), ("联系电话", "phone"), ("性别", "sex"), ("出生日期", "birth_date"),
             ("户籍类别", "residence"), ("与户主关系", "relation"), ("迁入日期", "moved_in"), ("关注类别", "tags")],
    ORGS: [("网格编码", "grid"), ("名称", "name"), ("类型", "kind"), ("地址", "address"), ("联系人", "contact"),
           ("联系电话", "contact_phone"), ("从业人数", "staff"), ("消防安全责任人", "fire_safety_person")],
    THINGS: [("网格编码", "grid"), ("编码", "code"), ("类型", "kind"), ("位置", "location_text"), ("纬度", "lat"),
             ("经度", "lng"), ("状况", "condition")],
}
EXAMPLE = {
    HOUSES: ["G0101", "1号楼", "幸福路1号", 6, "物管", "1单元", "101", 1, "出租", "王房东", "13700001111"],
    PEOPLE: ["G0101", "1号楼", "1单元", "101", "", "张三", "11010519491231002X", "13800001111", "男", "1949-12-31",
             "户籍", "户主", "2020-05-01", "独居老人"],
    ORGS: ["G0101", "幸福便利店", "商铺", "幸福路1号", "李店主", "13600001111", 3, "李店主"],
    THINGS: ["G0101", "JG-0101-001", "井盖", "1号楼东侧", 30.2715, 120.1515, "完好"],
}
BATCH = 500


@dataclass
class Problem:
    """One refused cell: sheet, row (as Excel numbers it), column header, message (Chinese)."""

    sheet: str
    row: int
    column: str
    message: str


def template_sheets():
    """The empty template: every sheet with its headers and one example row."""
    return [(sheet, [h for h, _f in columns], [EXAMPLE[sheet]]) for sheet, columns in COLUMNS.items()]


# ---- reading -------------------------------------------------------------------------------------


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat()
    return str(value).strip()


def _rows(book, sheet):
    """(row number, {field: text}) for each non-empty row of a sheet, after its header row."""
    if sheet not in book.sheetnames:
        return
    fields = dict(COLUMNS[sheet])
    example = [_cell_text(v) for v in EXAMPLE[sheet]]
    header = None
    for number, values in enumerate(book[sheet].iter_rows(values_only=True), start=1):
        if header is None:
            header = [fields.get(_cell_text(v)) for v in values]
            continue
        if not any(v not in (None, "") for v in values):
            continue
        texts = [_cell_text(v) for v in values]
        if texts[:len(example)] == example:
            continue  # the template's example row
        row = {field: "" for field in fields.values()}
        raw = {}
        for field, value, text in zip(header, values, texts):
            if field:
                row[field] = text
                raw[field] = value
        yield number, row, raw


class Checker:
    """Pass one: every row checked against the rules, the file itself and the database."""

    def __init__(self, actor, today):
        self.actor, self.today = actor, today
        self.problems = []
        self.grids = {}
        self.houses = set()  # (grid, building, unit, room) in the file
        self.seen = defaultdict(dict)  # key kind -> key -> row number

    def add(self, sheet, row, field, message):
        header = dict((f, h) for h, f in COLUMNS[sheet])[field]
        self.problems.append(Problem(sheet, row, header, message))

    def grid(self, sheet, number, row):
        code = row["grid"]
        if code not in self.grids:
            unit = OrgUnit.get_or_none((OrgUnit.code == code) & (OrgUnit.kind == "grid"))
            self.grids[code] = unit if unit is not None and can(self.actor, "registry.edit", unit) else None
        if self.grids[code] is None:
            self.add(sheet, number, "grid", "网格编码不存在或无权导入")
        return self.grids[code]

    def once(self, sheet, number, field, kind, key, what):
        first = self.seen[kind].get(key)
        if first is not None:
            self.add(sheet, number, field, f"{what}与第{first}行重复")
            return False
        self.seen[kind][key] = number
        return True

    def word(self, sheet, number, row, field, kind, required=True):
        text = row[field]
        if not text and not required:
            return None
        code = FROM_ZH[kind].get(text)
        if code is None:
            self.add(sheet, number, field, "应为：" + "、".join(ZH[kind].values()))
        return code

    def count(self, sheet, number, row, field, low, high):
        text = row[field]
        if not text:
            return None
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            self.add(sheet, number, field, f"应为 {low} 至 {high} 之间的整数")
        return value

    def day(self, sheet, number, row, raw, field, first=BIRTH_FIRST):
        if not row[field]:
            return None
        value = calendar_date(raw.get(field) or row[field])
        if value is None or not first <= value <= min(LAST_DAY, self.today):
            self.add(sheet, number, field, "日期无效（格式 YYYY-MM-DD，不晚于今天）")
            return None
        return value

    def text(self, sheet, number, row, field, limit, required=False):
        if required and not row[field]:
            self.add(sheet, number, field, "必填")
        elif len(row[field]) > limit:
            self.add(sheet, number, field, f"最多 {limit} 个字")
        return row[field]

    def phone(self, sheet, number, row, field):
        if not phone_ok(row[field]):
            self.add(sheet, number, field, "电话号码为5至20位数字")
        return row[field]


def house_key(row):
    return (row["grid"], row["building"], row["unit"], row["room"])


def _spooled(book, sheet, spool):
    """The sheet's rows, each also written to the spool (pass two replays them without parsing XML again)."""
    for number, row, raw in _rows(book, sheet):
        if spool is not None:
            pickle.dump((sheet, number, row), spool, protocol=pickle.HIGHEST_PROTOCOL)
        yield number, row, raw


def check(path, actor, today, spool=None):
    """Pass one over the file: the problems (empty when every row may be imported)."""
    c = Checker(actor, today)
    book = load_workbook(path, read_only=True, data_only=True)
    try:
        for number, row, raw in _spooled(book, HOUSES, spool):
            grid = c.grid(HOUSES, number, row)
            for field, limit in (("building", 60), ("unit", 40), ("room", 20)):
                c.text(HOUSES, number, row, field, limit, required=True)
            c.text(HOUSES, number, row, "address", 200)
            c.text(HOUSES, number, row, "landlord", 60)
            c.count(HOUSES, number, row, "floors", 1, 200)
            c.count(HOUSES, number, row, "floor", -5, 200)
            c.word(HOUSES, number, row, "kind", "kind", required=False)
            c.word(HOUSES, number, row, "use", "use")
            c.phone(HOUSES, number, row, "landlord_phone")
            if c.once(HOUSES, number, "room", "house", house_key(row), "户室"):
                c.houses.add(house_key(row))
            del grid
        ids = {}
        for number, row, raw in _spooled(book, PEOPLE, spool):
            grid = c.grid(PEOPLE, number, row)
            id_number = normal_id(row["id_number"])
            problem = id_problem(id_number)
            if problem:
                c.add(PEOPLE, number, "id_number", {
                    "The ID number's check digit is wrong.": "身份证号校验码错误",
                    "The ID number holds no valid birth date.": "身份证号中的出生日期无效",
                }.get(problem, "身份证号应为17位数字加1位校验码"))
            elif c.once(PEOPLE, number, "id_number", "person", id_number, "身份证号"):
                ids[id_number] = (number, row["name"])
            c.text(PEOPLE, number, row, "name", 60, required=True)
            c.text(PEOPLE, number, row, "household", 32)
            c.phone(PEOPLE, number, row, "phone")
            c.word(PEOPLE, number, row, "sex", "sex")
            c.word(PEOPLE, number, row, "residence", "residence")
            c.word(PEOPLE, number, row, "relation", "relation")
            born = c.day(PEOPLE, number, row, raw, "birth_date")
            if born and not problem and birth_of(id_number) != born:
                c.add(PEOPLE, number, "birth_date", "与身份证号中的出生日期不符")
            c.day(PEOPLE, number, row, raw, "moved_in")
            for label in _tag_labels(row["tags"]):
                code = FROM_ZH["tag"].get(label)
                if code is None:
                    c.add(PEOPLE, number, "tags", f"未知的关注类别：{label}")
                elif TAGS[code][1] and grid is not None and not can(actor, "registry.sensitive", grid):
                    c.add(PEOPLE, number, "tags", f"无权设置：{label}")
            if grid is not None and house_key(row) not in c.houses and _room(grid, row) is None:
                c.add(PEOPLE, number, "room", "楼栋、单元或户室不存在")
        _against_database(c, ids)
        for number, row, raw in _spooled(book, ORGS, spool):
            c.grid(ORGS, number, row)
            c.text(ORGS, number, row, "name", 100, required=True)
            c.once(ORGS, number, "name", "org", (row["grid"], row["name"]), "名称")
            c.word(ORGS, number, row, "kind", "org_kind")
            for field, limit in (("address", 200), ("contact", 60), ("fire_safety_person", 60)):
                c.text(ORGS, number, row, field, limit)
            c.phone(ORGS, number, row, "contact_phone")
            c.count(ORGS, number, row, "staff", 0, 1_000_000)
        codes = {}
        for number, row, raw in _spooled(book, THINGS, spool):
            grid = c.grid(THINGS, number, row)
            c.text(THINGS, number, row, "code", 32, required=True)
            if c.once(THINGS, number, "code", "thing", row["code"], "编码"):
                codes[row["code"]] = (number, grid)
            c.word(THINGS, number, row, "kind", "thing_kind")
            c.word(THINGS, number, row, "condition", "condition")
            c.text(THINGS, number, row, "location_text", 200)
            for field, low, high in (("lat", -90, 90), ("lng", -180, 180)):
                if row[field] and _float(row[field], low, high) is None:
                    c.add(THINGS, number, field, f"应为 {low} 至 {high} 之间的数")
        for code, grid_id in Thing.select(Thing.code, Thing.grid).where(Thing.code.in_(list(codes))).tuples():
            number, grid = codes[code]
            if grid is not None and grid.id != grid_id:
                c.add(THINGS, number, "code", "该编码已登记在其他网格")
    finally:
        book.close()
    return c.problems


def _against_database(c, ids):
    """An ID number already registered: the same person (an update, if the user keeps their grid), else refused."""
    keys, editable = list(ids), {}
    for start in range(0, len(keys), BATCH):
        for id_number, name, grid_id in Person.select(Person.id_number, Person.name, Person.grid).where(
                Person.id_number.in_(keys[start:start + BATCH])).tuples():
            number, named = ids[id_number]
            if grid_id not in editable:
                editable[grid_id] = can(c.actor, "registry.edit", OrgUnit.get_by_id(grid_id))
            if name != named:
                c.add(PEOPLE, number, "id_number", "该身份证号已登记为他人")
            elif not editable[grid_id]:
                c.add(PEOPLE, number, "id_number", "该身份证号已登记在您无权修改的网格")


def _tag_labels(text):
    return [t for t in (text or "").replace(",", "、").replace("，", "、").split("、") if t.strip()]


def _float(text, low, high):
    try:
        value = float(text)
    except ValueError:
        return None
    return value if low <= value <= high else None


def _room(grid, row):
    return (Room.select().join(Unit).switch(Room).join(Building, on=Room.building == Building.id)
            .where((Room.grid == grid.id) & (Building.name == row["building"]) & (Unit.name == row["unit"])
                   & (Room.number == row["room"])).first())


# ---- writing -------------------------------------------------------------------------------------


class Writer:
    """Pass two: every row written (only what differs), with dated change rows, in one transaction."""

    def __init__(self, actor, now):
        self.actor, self.now = actor, now
        self.grids = {}
        self.buildings, self.units, self.rooms, self.households = {}, {}, {}, {}
        self.counts = defaultdict(int)
        self.changes = []
        self.pending_rooms = []

    def grid(self, code):
        if code not in self.grids:
            self.grids[code] = OrgUnit.get((OrgUnit.code == code) & (OrgUnit.kind == "grid"))
            grid = self.grids[code]
            for b in Building.select().where(Building.grid == grid.id):
                self.buildings[(code, b.name)] = b
            for u in Unit.select(Unit, Building).join(Building).where(Building.grid == grid.id):
                self.units[(code, u.building.name, u.name)] = u
            for r in Room.select(Room, Unit, Building).join(Unit).switch(Room).join(Building).where(Room.grid == grid.id):
                self.rooms[(code, r.building.name, r.unit.name, r.number)] = r
            for h in Household.select().where((Household.grid == grid.id) & Household.active).order_by(Household.id):
                self.households.setdefault((h.room_id, h.number), h)
        return self.grids[code]

    def change(self, kind, grid, **links):
        self.changes.append({"grid": grid.id, "kind": kind, "day": self.now.date(), "reason": "Excel导入",
                             "author": getattr(self.actor, "id", None), "created_at": self.now, "detail": None,
                             **links})
        if len(self.changes) >= BATCH:
            self.flush()

    def flush(self):
        if self.changes:
            shapes = defaultdict(list)
            for change in self.changes:
                shapes[tuple(change)].append(change)
            for rows in shapes.values():
                insert_rows(RegistryChange, rows)
            self.changes = []

    def house(self, row):
        grid = self.grid(row["grid"])
        building = self.buildings.get((row["grid"], row["building"]))
        fields = {"address": row["address"], "floors": int(row["floors"]) if row["floors"] else None,
                  "kind": FROM_ZH["kind"].get(row["kind"], "self_managed")}
        if building is None:
            building = Building.create(grid=grid.id, name=row["building"], **fields)
            self.buildings[(row["grid"], row["building"])] = building
            self.change("created", grid, building=building.id)
            self.counts["buildings"] += 1
        elif _differs(building, fields):
            Building.update(**fields).where(Building.id == building.id).execute()
            self.change("edited", grid, building=building.id)
        unit = self.units.get((row["grid"], row["building"], row["unit"]))
        if unit is None:
            unit = Unit.create(building=building.id, name=row["unit"])
            self.units[(row["grid"], row["building"], row["unit"])] = unit
        key = (row["grid"], row["building"], row["unit"], row["room"])
        if key in self.rooms and self.rooms[key] is None:
            return  # already pending (the checker refused duplicates; kept for safety)
        room = self.rooms.get(key)
        fields = {"floor": int(row["floor"]) if row["floor"] else None, "use": FROM_ZH["use"][row["use"]],
                  "landlord": row["landlord"], "landlord_phone": row["landlord_phone"]}
        if room is None:
            # Inserted in batches (rooms_flush) before the first person needs one.
            self.pending_rooms.append((key, grid, {"unit": unit.id, "building": building.id, "grid": grid.id,
                                                   "number": row["room"], **fields}))
            self.rooms[key] = None
        elif _differs(room, fields):
            Room.update(**fields).where(Room.id == room.id).execute()
            self.change("use_changed" if room.use != fields["use"] else "edited", grid, room=room.id)
            _differs(room, fields, apply=True)
            self.counts["rooms_changed"] += 1

    def rooms_flush(self):
        """Insert the pending rooms in batches and learn their ids."""
        pending, self.pending_rooms = self.pending_rooms, []
        for start in range(0, len(pending), BATCH):
            part = pending[start:start + BATCH]
            insert_rows(Room, [fields for _k, _g, fields in part])
            ids = {(u, n): i for i, u, n in Room.select(Room.id, Room.unit, Room.number).where(
                Room.unit.in_(list({f["unit"] for _k, _g, f in part}))).tuples()}
            for key, grid, fields in part:
                room = Room(id=ids[(fields["unit"], fields["number"])], **fields)
                self.rooms[key] = room
                self.change("created", grid, room=room.id, building=fields["building"])
                self.counts["rooms"] += 1

    def households_for(self, batch):
        """Make the households the batch's rows name that do not exist yet (in one insert)."""
        missing = {}
        for _number, row, _raw in batch:
            room = self.rooms[(row["grid"], row["building"], row["unit"], row["room"])]
            if (room.id, row["household"]) not in self.households:
                missing[(room.id, row["household"])] = room.grid_id
        if missing:
            insert_rows(Household, [{"room": room_id, "grid": grid_id, "number": number, "created_at": self.now}
                                    for (room_id, number), grid_id in missing.items()])
            for h in Household.select().where(Household.room.in_([r for r, _n in missing]) & Household.active) \
                    .order_by(Household.id):
                self.households.setdefault((h.room_id, h.number), h)

    def people(self, batch):
        """A batch of people rows: existing ones (by ID number) updated where they differ, new ones inserted."""
        self.rooms_flush()
        self.households_for(batch)
        existing = {p.id_number: p for p in Person.select().where(
            Person.id_number.in_([normal_id(row["id_number"]) for _n, row, _raw in batch]))}
        fresh = []
        for _number, row, raw in batch:
            grid = self.grid(row["grid"])
            room = self.rooms[(row["grid"], row["building"], row["unit"], row["room"])]
            household = self.households[(room.id, row["household"])]
            id_number = normal_id(row["id_number"])
            fields = {"grid": grid.id, "household": household.id, "name": row["name"], "id_number": id_number,
                      "id_tail": tail(id_number), "phone": row["phone"], "phone_tail": tail(row["phone"]),
                      "sex": FROM_ZH["sex"][row["sex"]], "birth_date": birth_of(id_number),
                      "residence": FROM_ZH["residence"][row["residence"]],
                      "relation": FROM_ZH["relation"][row["relation"]], "moved_in": calendar_date(raw.get("moved_in") or
                                                                                         row["moved_in"])}
            person = existing.get(id_number)
            tags = [FROM_ZH["tag"][t] for t in _tag_labels(row["tags"])]
            if person is None:
                fresh.append((fields, grid, room, tags))
            else:
                if _differs(person, fields):
                    Person.update(updated_at=self.now, **fields).where(Person.id == person.id).execute()
                    self.change("edited", grid, person=person.id, room=room.id)
                    self.counts["people_changed"] += 1
                self.tags(person.id, grid, tags)
        if fresh:
            insert_rows(Person, [{**fields, "created_at": self.now, "updated_at": self.now}
                                 for fields, _g, _r, _t in fresh])
            ids = dict(Person.select(Person.id_number, Person.id).where(
                Person.id_number.in_([fields["id_number"] for fields, _g, _r, _t in fresh])).tuples())
            for fields, grid, room, tags in fresh:
                person_id = ids[fields["id_number"]]
                self.change("moved_in" if fields["moved_in"] else "created", grid, person=person_id, room=room.id)
                self.counts["people"] += 1
                self.tags(person_id, grid, tags, new=True)

    def tags(self, person_id, grid, codes, new=False):
        """Tags named in the file and not yet open are added (a tag missing from the file is not ended:
        ending one needs a reason, given on the person's page)."""
        if not codes:
            return
        open_tags = set() if new else {t for (t,) in PersonTag.select(PersonTag.tag).where(
            (PersonTag.person == person_id) & PersonTag.ended_on.is_null()).tuples()}
        for code in codes:
            if code not in open_tags:
                open_tags.add(code)
                PersonTag.create(person=person_id, tag=code, sensitive=TAGS[code][1], started_on=self.now.date(),
                                 added_by=getattr(self.actor, "id", None), created_at=self.now)
                self.changes.append({"grid": grid.id, "kind": "tag_added", "day": self.now.date(),
                                     "reason": "Excel导入", "author": getattr(self.actor, "id", None),
                                     "created_at": self.now, "detail": {"tag": code, "sensitive": TAGS[code][1]},
                                     "person": person_id})
                self.counts["tags"] += 1

    def organisation(self, row):
        grid = self.grid(row["grid"])
        fields = {"kind": FROM_ZH["org_kind"][row["kind"]], "address": row["address"], "contact": row["contact"],
                  "contact_phone": row["contact_phone"], "staff": int(row["staff"] or 0),
                  "fire_safety_person": row["fire_safety_person"]}
        org = Organisation.get_or_none((Organisation.grid == grid.id) & (Organisation.name == row["name"]))
        if org is None:
            org = Organisation.create(grid=grid.id, name=row["name"], created_at=self.now, **fields)
            self.change("created", grid, organisation=org.id)
            self.counts["organisations"] += 1
        elif _differs(org, fields):
            Organisation.update(**fields).where(Organisation.id == org.id).execute()
            self.change("edited", grid, organisation=org.id)

    def thing(self, row):
        grid = self.grid(row["grid"])
        fields = {"kind": FROM_ZH["thing_kind"][row["kind"]], "location_text": row["location_text"],
                  "lat": float(row["lat"]) if row["lat"] else None, "lng": float(row["lng"]) if row["lng"] else None,
                  "condition": FROM_ZH["condition"][row["condition"]]}
        thing = Thing.get_or_none(Thing.code == row["code"])
        if thing is None:
            thing = Thing.create(grid=grid.id, code=row["code"], created_at=self.now, **fields)
            self.change("created", grid, thing=thing.id)
            self.counts["things"] += 1
        elif _differs(thing, fields):
            Thing.update(**fields).where(Thing.id == thing.id).execute()
            self.change("edited", grid, thing=thing.id)


def _differs(row, fields, apply=False):
    """Whether any field differs from the stored row (foreign keys compared by id)."""
    differs = False
    for name, value in fields.items():
        stored = getattr(row, name + "_id") if name in ("grid", "household") else getattr(row, name)
        if stored != value:
            differs = True
            if apply:
                setattr(row, name, value)
    return differs


def import_file(path, actor, now):
    """Check every row; if none is refused, write them all in one transaction. Returns (problems, counts).

    Pass one parses the workbook once, checking each row and spooling it to a temporary file; pass two
    replays the spool (memory stays flat: one batch of rows at a time)."""
    with tempfile.TemporaryFile(prefix="gridcase-import-") as spool:
        problems = check(path, actor, now.date(), spool)
        if problems:
            return problems, {}
        spool.seek(0)
        writer = Writer(actor, now)
        with write_transaction():
            batch = []
            for sheet, _number, row in _replay(spool):
                if sheet == PEOPLE:
                    batch.append((_number, row, {}))
                    if len(batch) >= BATCH:
                        writer.people(batch)
                        batch = []
                    continue
                if batch:
                    writer.people(batch)
                    batch = []
                {HOUSES: writer.house, ORGS: writer.organisation, THINGS: writer.thing}[sheet](row)
            if batch:
                writer.people(batch)
            writer.rooms_flush()
            writer.flush()
    refresh_statistics()
    return [], dict(writer.counts)


def _replay(spool):
    """The spooled rows, in the order they were checked."""
    while True:
        try:
            yield pickle.load(spool)  # nosec B301 # our own temporary file, written by pass one just now
        except EOFError:
            return


def problem_sheets(problems):
    """The refused cells as a workbook: sheet, row, column, message."""
    return [("错误", ["工作表", "行", "列", "问题"], ([p.sheet, p.row, p.column, p.message] for p in problems))]


# ---- export --------------------------------------------------------------------------------------


def export_sheets(actor, grids, reveal=False):
    """The registry of these grids in the template's shape; ID numbers and phones masked unless `reveal`,
    sensitive tags only for those who may see them."""
    grid_ids = [g.id for g in grids]
    codes = {g.id: g.code for g in grids}
    sensitive = can(actor, "registry.sensitive")
    shown = (lambda v: v) if reveal else None

    def houses():
        query = (Room.select(Room, Unit, Building).join(Unit).switch(Room).join(Building)
                 .where(Room.grid.in_(grid_ids)).order_by(Room.grid, Building.name, Unit.name, Room.number))
        for r in query.iterator():
            b = r.building
            yield [codes[r.grid_id], b.name, b.address, b.floors, ZH["kind"].get(b.kind, ""), r.unit.name, r.number,
                   r.floor, ZH["use"][r.use], r.landlord, (shown or mask_phone)(r.landlord_phone)]

    def people():
        tags = defaultdict(list)
        tag_query = PersonTag.select(PersonTag.person, PersonTag.tag).join(Person).where(
            Person.grid.in_(grid_ids) & PersonTag.ended_on.is_null())
        if not sensitive:
            tag_query = tag_query.where(PersonTag.sensitive == False)  # noqa: E712
        for person_id, tag in tag_query.tuples().iterator():
            tags[person_id].append(ZH["tag"][tag])
        query = (Person.select(Person, Household, Room, Unit, Building).join(Household).join(Room).join(Unit)
                 .switch(Room).join(Building)
                 .where(Person.grid.in_(grid_ids) & (Person.status == "living")).order_by(Person.grid, Person.id))
        for p in query.iterator():
            room = p.household.room
            yield [codes[p.grid_id], room.building.name, room.unit.name, room.number, p.household.number, p.name,
                   (shown or mask_id)(p.id_number), (shown or mask_phone)(p.phone), ZH["sex"][p.sex],
                   p.birth_date.isoformat(), ZH["residence"][p.residence], ZH["relation"][p.relation],
                   p.moved_in.isoformat() if p.moved_in else "", "、".join(tags.get(p.id, []))]

    def orgs():
        for o in Organisation.select().where(Organisation.grid.in_(grid_ids)).order_by(Organisation.grid, Organisation.name):
            yield [codes[o.grid_id], o.name, ZH["org_kind"][o.kind], o.address, o.contact,
                   (shown or mask_phone)(o.contact_phone), o.staff, o.fire_safety_person]

    def things():
        for t in Thing.select().where(Thing.grid.in_(grid_ids)).order_by(Thing.code):
            yield [codes[t.grid_id], t.code, ZH["thing_kind"][t.kind], t.location_text, t.lat, t.lng,
                   ZH["condition"][t.condition]]

    makers = {HOUSES: houses, PEOPLE: people, ORGS: orgs, THINGS: things}
    return [(sheet, [h for h, _f in columns], makers[sheet]()) for sheet, columns in COLUMNS.items()]
