# Generated from a schema diff on 2026-11-29 01:17.
from peewee import *
from workflows.db import JSONField
import datetime

def up(migrator, db):
    class OrgUnit(Model):
        kind = CharField(index=True, max_length=16)
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=100)
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        grid_type = CharField(max_length=16, default='standard')
        area_text = TextField(default='')
        households = IntegerField(null=True)
        polygon = JSONField(null=True)
        active = BooleanField(default=True)
        sort_order = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'org_unit'
    db.create_tables([OrgUnit])

    class Department(Model):
        code = CharField(unique=True, max_length=32)
        name = CharField(max_length=100)
        org = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        phone = CharField(max_length=40, default='')
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'department'
    db.create_tables([Department])

    class User(Model):
        username = CharField(unique=True, max_length=64)
        password_hash = CharField()
        name = CharField(max_length=60)
        role = CharField(index=True, max_length=16)
        org = ForeignKeyField(OrgUnit, null=True, on_delete='RESTRICT')
        department = ForeignKeyField(Department, null=True, on_delete='RESTRICT')
        phone = CharField(max_length=40, default='')
        publish_phone = BooleanField(default=False)
        duties = TextField(default='')
        photo = CharField(null=True, max_length=128)
        locale = CharField(null=True, max_length=10)
        active = BooleanField(default=True)
        created_at = DateTimeField(default=datetime.datetime.now)
        last_login_at = DateTimeField(null=True)
        failed_logins = IntegerField(default=0)
        locked_until = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'user'
    db.create_tables([User])

    class ApiKey(Model):
        name = CharField(max_length=60)
        prefix = CharField(max_length=16)
        key_hash = CharField(unique=True, max_length=64)
        created_at = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        last_used_at = DateTimeField(null=True)
        revoked_at = DateTimeField(null=True)
        revoked_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'api_key'
    db.create_tables([ApiKey])

    class Category(Model):
        code = CharField(unique=True, max_length=16)
        name = CharField(max_length=60)
        parent = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        default_department = ForeignKeyField(Department, null=True, on_delete='SET NULL')
        urgency = CharField(max_length=16, default='normal')
        public = BooleanField(default=False)
        attributes = JSONField(null=True)
        sort_order = IntegerField(default=0)
        active = BooleanField(default=True)
        class Meta:
            database = db
            table_name = 'category'
    db.create_tables([Category])

    class Building(Model):
        grid = ForeignKeyField(OrgUnit, on_delete='CASCADE')
        name = CharField(max_length=60)
        sort_order = IntegerField(default=0)
        lat = FloatField(null=True)
        lng = FloatField(null=True)
        class Meta:
            database = db
            table_name = 'building'
            indexes = ((('grid', 'name'), True),)
    db.create_tables([Building])

    class Unit(Model):
        building = ForeignKeyField(Building, on_delete='CASCADE')
        name = CharField(max_length=40)
        class Meta:
            database = db
            table_name = 'unit'
            indexes = ((('building', 'name'), True),)
    db.create_tables([Unit])

    class Patrol(Model):
        user = ForeignKeyField(User, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        started_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        start_lat = FloatField(null=True)
        start_lng = FloatField(null=True)
        start_accuracy = FloatField(null=True)
        end_lat = FloatField(null=True)
        end_lng = FloatField(null=True)
        end_accuracy = FloatField(null=True)
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'patrol'
            indexes = ((('grid', 'started_at'), False), (('user', 'started_at'), False), (('user', 'ended_at'), False))
    db.create_tables([Patrol])

    class Case(Model):
        number = CharField(unique=True, max_length=20)
        title = CharField(max_length=200)
        description = TextField(default='')
        category = ForeignKeyField(Category, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        community = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        street = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        district = ForeignKeyField(OrgUnit, null=True, on_delete='RESTRICT')
        building = ForeignKeyField(Building, null=True, on_delete='SET NULL')
        unit = ForeignKeyField(Unit, null=True, on_delete='SET NULL')
        location_text = CharField(max_length=200, default='')
        lat = FloatField(null=True)
        lng = FloatField(null=True)
        source = CharField(max_length=16, default='patrol')
        reporter_name = CharField(max_length=60, default='')
        reporter_phone = CharField(max_length=40, default='')
        urgency = CharField(max_length=16, default='normal')
        state = CharField(index=True, max_length=16)
        level = CharField(max_length=16, default='grid')
        department = ForeignKeyField(Department, null=True, on_delete='RESTRICT')
        step_started_at = DateTimeField()
        warn_at = DateTimeField(null=True)
        deadline = DateTimeField(null=True)
        suspended_at = DateTimeField(null=True)
        entered_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        rework_count = IntegerField(default=0)
        version = IntegerField(default=0)
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        updated_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        resolution = CharField(null=True, max_length=16)
        duplicate_of = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        patrol = ForeignKeyField(Patrol, null=True, on_delete='SET NULL')
        tracking_code = CharField(unique=True, null=True, max_length=32)
        intake_key = CharField(unique=True, null=True, max_length=64)
        class Meta:
            database = db
            table_name = 'case'
            indexes = ((('grid', 'state', 'deadline'), False), (('community', 'state', 'deadline'), False), (('street', 'state', 'deadline'), False), (('department', 'state', 'deadline'), False), (('state', 'deadline'), False), (('created_at',), False), (('closed_at',), False))
    db.create_tables([Case])

    class CaseEvent(Model):
        case = ForeignKeyField(Case, on_delete='RESTRICT')
        seq = IntegerField()
        event = CharField(max_length=24)
        from_state = CharField(null=True, max_length=16)
        to_state = CharField(max_length=16)
        actor = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        actor_name = CharField(max_length=60)
        actor_role = CharField(max_length=16)
        at = DateTimeField()
        note = TextField(default='')
        data = JSONField(null=True)
        level = CharField(max_length=16)
        department = ForeignKeyField(Department, null=True, on_delete='RESTRICT')
        prev_deadline = DateTimeField(null=True)
        deadline = DateTimeField(null=True)
        request_key = CharField(unique=True, null=True, max_length=64)
        prev_hash = CharField(max_length=64, default='')
        hash = CharField(max_length=64)
        class Meta:
            database = db
            table_name = 'case_event'
            indexes = ((('case', 'seq'), True), (('event', 'at'), False), (('at',), False), (('actor', 'at'), False), (('department', 'event', 'at'), False))
    db.create_tables([CaseEvent])

    class Attachment(Model):
        case = ForeignKeyField(Case, on_delete='RESTRICT')
        event = ForeignKeyField(CaseEvent, null=True, on_delete='RESTRICT')
        kind = CharField(max_length=8, default='before')
        path = CharField(unique=True, max_length=128)
        thumb_path = CharField(max_length=128)
        content_type = CharField(max_length=32)
        width = IntegerField()
        height = IntegerField()
        size = BigIntegerField()
        sha256 = CharField(max_length=64)
        public = BooleanField(default=False)
        uploaded_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'attachment'
    db.create_tables([Attachment])

    class CalendarDay(Model):
        day = DateField(primary_key=True)
        workday = BooleanField()
        source = CharField(max_length=16, default='manual')
        note = CharField(max_length=100, default='')
        updated_at = DateTimeField()
        updated_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'calendar_day'
    db.create_tables([CalendarDay])

    class CalendarYear(Model):
        year = IntegerField(primary_key=True)
        synced_at = DateTimeField(null=True)
        confirmed_at = DateTimeField(null=True)
        confirmed_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'calendar_year'
    db.create_tables([CalendarYear])

    class Counter(Model):
        key = CharField(primary_key=True, max_length=32)
        value = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'counter'
    db.create_tables([Counter])

    class LoginSession(Model):
        token_hash = CharField(unique=True, max_length=64)
        user = ForeignKeyField(User, on_delete='CASCADE')
        created_at = DateTimeField()
        last_seen_at = DateTimeField()
        ended_at = DateTimeField(null=True)
        end_reason = CharField(null=True, max_length=16)
        ip = CharField(max_length=45, default='')
        user_agent = CharField(max_length=200, default='')
        class Meta:
            database = db
            table_name = 'login_session'
            indexes = ((('user', 'ended_at'), False),)
    db.create_tables([LoginSession])

    class Notice(Model):
        case = ForeignKeyField(Case, on_delete='RESTRICT')
        year = IntegerField()
        sequence = IntegerField()
        number = CharField(unique=True, max_length=32)
        state = CharField(max_length=16)
        step_started_at = DateTimeField()
        level = IntegerField()
        deadline = DateTimeField(null=True)
        addressee_org = ForeignKeyField(OrgUnit, null=True, on_delete='RESTRICT')
        addressee_department = ForeignKeyField(Department, null=True, on_delete='RESTRICT')
        issuer_org = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        issued_at = DateTimeField()
        issued_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        issued_by_name = CharField(max_length=60)
        manual = BooleanField(default=False)
        demand = TextField(default='')
        reply_deadline = DateTimeField()
        reply_warn_at = DateTimeField()
        status = CharField(max_length=16, default='pending')
        signed_at = DateTimeField(null=True)
        replied_at = DateTimeField(null=True)
        reply = TextField(default='')
        closed_at = DateTimeField(null=True)
        class Meta:
            database = db
            table_name = 'notice'
            indexes = ((('case', 'state', 'step_started_at', 'level'), True), (('year', 'sequence'), True), (('level', 'issued_at'), False), (('status', 'reply_deadline'), False), (('addressee_department', 'status'), False), (('addressee_org', 'status'), False))
    db.create_tables([Notice])

    class NoticeEvent(Model):
        notice = ForeignKeyField(Notice, on_delete='RESTRICT')
        action = CharField(max_length=16)
        from_status = CharField(max_length=16)
        to_status = CharField(max_length=16)
        actor = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        actor_name = CharField(max_length=60)
        actor_role = CharField(max_length=16)
        at = DateTimeField()
        note = TextField(default='')
        class Meta:
            database = db
            table_name = 'notice_event'
            indexes = ((('notice', 'at'), False),)
    db.create_tables([NoticeEvent])

    class PatrolBuilding(Model):
        patrol = ForeignKeyField(Patrol, on_delete='CASCADE')
        building = ForeignKeyField(Building, on_delete='CASCADE')
        checked_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'patrol_building'
            indexes = ((('patrol', 'building'), True),)
    db.create_tables([PatrolBuilding])

    class PatrolRule(Model):
        role = CharField(max_length=16)
        grid_type = CharField(max_length=16, default='')
        period = CharField(max_length=8)
        times = IntegerField(default=1)
        updated_at = DateTimeField(null=True)
        updated_by = ForeignKeyField(User, null=True, on_delete='SET NULL')
        class Meta:
            database = db
            table_name = 'patrol_rule'
            indexes = ((('role', 'grid_type'), True),)
    db.create_tables([PatrolRule])

    class PointPerson(Model):
        name = CharField(max_length=60)
        kind = CharField(max_length=16, default='volunteer')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        building = ForeignKeyField(Building, null=True, on_delete='SET NULL')
        phone = CharField(max_length=40, default='')
        active = BooleanField(default=True)
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'point_person'
            indexes = ((('grid', 'name'), False),)
    db.create_tables([PointPerson])

    class PointRule(Model):
        code = CharField(unique=True, max_length=16)
        name = CharField(max_length=100)
        section = CharField(max_length=16)
        points = IntegerField()
        kind = CharField(max_length=8, default='service')
        active = BooleanField(default=True)
        sort_order = IntegerField(default=0)
        class Meta:
            database = db
            table_name = 'point_rule'
    db.create_tables([PointRule])

    class PointEntry(Model):
        person = ForeignKeyField(PointPerson, on_delete='RESTRICT')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        community = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        rule = ForeignKeyField(PointRule, null=True, on_delete='RESTRICT')
        points = IntegerField()
        day = DateField()
        evidence = TextField(default='')
        case = ForeignKeyField(Case, unique=True, null=True, on_delete='RESTRICT')
        corrects = ForeignKeyField('self', null=True, on_delete='RESTRICT')
        recorded_by = ForeignKeyField(User, on_delete='RESTRICT')
        recorder_name = CharField(max_length=60)
        recorder_role = CharField(max_length=16)
        recorded_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'point_entry'
            indexes = ((('community', 'day'), False), (('person', 'day'), False))
    db.create_tables([PointEntry])

    class PointMonth(Model):
        community = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        month = DateField()
        published_at = DateTimeField()
        published_by = ForeignKeyField(User, on_delete='RESTRICT')
        publisher_name = CharField(max_length=60)
        class Meta:
            database = db
            table_name = 'point_month'
            indexes = ((('community', 'month'), True),)
    db.create_tables([PointMonth])

    class RankingPublication(Model):
        scope = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        month = DateField()
        version = IntegerField()
        reason = TextField(default='')
        weights = JSONField()
        data = JSONField()
        published_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        published_by_name = CharField(max_length=60)
        published_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'ranking_publication'
            indexes = ((('scope', 'month', 'version'), True),)
    db.create_tables([RankingPublication])

    class RateBucket(Model):
        key = CharField(max_length=200)
        window = IntegerField()
        start = BigIntegerField()
        hits = IntegerField(default=0)
        expires_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'rate_bucket'
            indexes = ((('key', 'window', 'start'), True),)
    db.create_tables([RateBucket])

    class ResidentRating(Model):
        case = ForeignKeyField(Case, unique=True, on_delete='RESTRICT')
        rating = CharField(max_length=24)
        comment = TextField(default='')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'resident_rating'
    db.create_tables([ResidentRating])

    class ReopenRequest(Model):
        case = ForeignKeyField(Case, on_delete='RESTRICT')
        rating = ForeignKeyField(ResidentRating, unique=True, on_delete='RESTRICT')
        status = CharField(max_length=16, default='pending')
        created_at = DateTimeField()
        decided_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        decided_at = DateTimeField(null=True)
        decision_note = TextField(default='')
        class Meta:
            database = db
            table_name = 'reopen_request'
            indexes = ((('status', 'created_at'), False),)
    db.create_tables([ReopenRequest])

    class ScoreWeights(Model):
        weights = JSONField()
        note = TextField(default='')
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField(index=True)
        class Meta:
            database = db
            table_name = 'score_weights'
    db.create_tables([ScoreWeights])

    class StreetIntake(Model):
        street = ForeignKeyField(OrgUnit, unique=True, on_delete='CASCADE')
        grid = ForeignKeyField(OrgUnit, on_delete='RESTRICT')
        class Meta:
            database = db
            table_name = 'street_intake'
    db.create_tables([StreetIntake])

    class TimeLimit(Model):
        state = CharField(max_length=16)
        urgency = CharField(max_length=16, default='')
        amount = FloatField()
        unit = CharField(max_length=16)
        effective_from = DateTimeField()
        created_by = ForeignKeyField(User, null=True, on_delete='RESTRICT')
        created_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'time_limit'
            indexes = ((('state', 'urgency', 'effective_from'), True),)
    db.create_tables([TimeLimit])

    class WorkLogNote(Model):
        user = ForeignKeyField(User, on_delete='RESTRICT')
        kind = CharField(max_length=8, default='day')
        day = DateField()
        text = TextField(default='')
        updated_at = DateTimeField()
        class Meta:
            database = db
            table_name = 'work_log_note'
            indexes = ((('user', 'kind', 'day'), True),)
    db.create_tables([WorkLogNote])


def down(migrator, db):
    migrator.migrate(migrator.drop_table('work_log_note'))
    migrator.migrate(migrator.drop_table('time_limit'))
    migrator.migrate(migrator.drop_table('street_intake'))
    migrator.migrate(migrator.drop_table('score_weights'))
    migrator.migrate(migrator.drop_table('reopen_request'))
    migrator.migrate(migrator.drop_table('resident_rating'))
    migrator.migrate(migrator.drop_table('rate_bucket'))
    migrator.migrate(migrator.drop_table('ranking_publication'))
    migrator.migrate(migrator.drop_table('point_month'))
    migrator.migrate(migrator.drop_table('point_entry'))
    migrator.migrate(migrator.drop_table('point_rule'))
    migrator.migrate(migrator.drop_table('point_person'))
    migrator.migrate(migrator.drop_table('patrol_rule'))
    migrator.migrate(migrator.drop_table('patrol_building'))
    migrator.migrate(migrator.drop_table('notice_event'))
    migrator.migrate(migrator.drop_table('notice'))
    migrator.migrate(migrator.drop_table('login_session'))
    migrator.migrate(migrator.drop_table('counter'))
    migrator.migrate(migrator.drop_table('calendar_year'))
    migrator.migrate(migrator.drop_table('calendar_day'))
    migrator.migrate(migrator.drop_table('attachment'))
    migrator.migrate(migrator.drop_table('case_event'))
    migrator.migrate(migrator.drop_table('case'))
    migrator.migrate(migrator.drop_table('patrol'))
    migrator.migrate(migrator.drop_table('unit'))
    migrator.migrate(migrator.drop_table('building'))
    migrator.migrate(migrator.drop_table('category'))
    migrator.migrate(migrator.drop_table('api_key'))
    migrator.migrate(migrator.drop_table('user'))
    migrator.migrate(migrator.drop_table('department'))
    migrator.migrate(migrator.drop_table('org_unit'))
