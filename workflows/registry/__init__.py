"""The grid's registry (issue 17): its vocabulary, the masks, and the ID number's check digit.

Who may see and change what is decided in workflows.policy (registry.* actions); the one write path
is workflows.registry.service; counts and search in workflows.registry.queries; the Excel template,
import and export in workflows.registry.workbook.
"""
import re
from datetime import date

from workflows.machine import N_

# Groups needing attention: code -> (label msgid, sensitive, visit every N days).
TAGS = {
    "elderly_alone": (N_("Elderly living alone"), False, 7),  # 独居老人
    "empty_nest": (N_("Empty-nest elderly"), False, 14),  # 空巢老人
    "disabled": (N_("Disabled"), False, 30),  # 残疾人
    "subsistence": (N_("Subsistence allowance"), False, 30),  # 低保
    "hardship": (N_("Hardship household"), False, 30),  # 困难户
    "entitled": (N_("Entitled group"), False, 90),  # 优抚对象
    "newborn": (N_("Newborn"), False, 30),  # 新生儿
    "newly_wed": (N_("Newly-wed"), False, 90),  # 新婚
    "unemployed": (N_("Unemployed"), False, 30),  # 失业人员
    "floating": (N_("Floating population"), False, 30),  # 流动人口
    # Sensitive: only the community office and above ever see these (policy "registry.sensitive").
    "correction": (N_("Community correction"), True, 7),  # 社区矫正
    "released": (N_("Released, under assistance"), True, 30),  # 安置帮教
    "key_person": (N_("Key person"), True, 7),  # 重点人员
    "mental": (N_("Severe mental disorder"), True, 14),  # 严重精神障碍
}
ATTENTION_TAGS = tuple(code for code, (_label, sensitive, _days) in TAGS.items() if not sensitive)
SENSITIVE_TAGS = tuple(code for code, (_label, sensitive, _days) in TAGS.items() if sensitive)

BUILDING_KIND_LABELS = {"self_managed": N_("Self-managed"), "property": N_("Property-managed"),
                        "work_unit": N_("Work-unit compound")}
ROOM_USE_LABELS = {"owner": N_("Owner-occupied"), "rented": N_("Rented"), "vacant": N_("Vacant"),
                   "shop": N_("Shop")}
SEX_LABELS = {"male": N_("Male"), "female": N_("Female")}
RESIDENCE_LABELS = {"registered": N_("Registered (户籍)"), "resident": N_("Permanent resident"),
                    "temporary": N_("Temporary resident"), "floating": N_("Floating")}
RELATION_LABELS = {"head": N_("Head"), "spouse": N_("Spouse"), "child": N_("Child"), "parent": N_("Parent"),
                   "grandchild": N_("Grandchild"), "sibling": N_("Sibling"), "tenant": N_("Tenant"),
                   "other": N_("Other")}
STATUS_LABELS = {"living": N_("Living here"), "moved_out": N_("Moved out"), "deceased": N_("Deceased")}
ORG_KIND_LABELS = {"company": N_("Company"), "shop": N_("Shop"), "school": N_("School"),
                   "social": N_("Social organisation"), "public": N_("Public institution")}
THING_KIND_LABELS = {"manhole": N_("Manhole cover"), "street_light": N_("Street light"), "hydrant": N_("Hydrant"),
                     "camera": N_("Camera"), "bin": N_("Bin"), "bench": N_("Bench")}
CONDITION_LABELS = {"good": N_("Good"), "damaged": N_("Damaged"), "missing": N_("Missing")}
CHANGE_LABELS = {"created": N_("Registered"), "edited": N_("Edited"), "moved_in": N_("Moved in"),
                 "moved_out": N_("Moved out"), "deceased": N_("Died"), "born": N_("Born"),
                 "tag_added": N_("Tag added"), "tag_removed": N_("Tag removed"), "use_changed": N_("Use changed"),
                 "imported": N_("Imported")}
FIELD_LABELS = {"id_number": N_("ID number"), "phone": N_("Phone")}

# Birth dates reach back further than the case system's dates (workflows.values.FIRST_DAY).
BIRTH_FIRST = date(1900, 1, 1)

_ID = re.compile(r"[1-9][0-9]{16}[0-9X]")
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_PHONE = re.compile(r"[0-9+\-]{5,20}")


def check_digit(first17):
    """The GB 11643 check character of the first 17 digits."""
    return _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def normal_id(text):
    """The ID number as stored (trimmed, upper-case x)."""
    return str(text or "").strip().upper()


def id_problem(text):
    """None if the text is a valid 18-character ID number (GB 11643), else a msgid saying why."""
    value = normal_id(text)
    if not _ID.fullmatch(value):
        return N_("An ID number has 17 digits and a check digit or X.")
    if check_digit(value[:17]) != value[17]:
        return N_("The ID number's check digit is wrong.")
    if birth_of(value) is None:
        return N_("The ID number holds no valid birth date.")
    return None


def birth_of(id_number):
    """The birth date an ID number holds, or None."""
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None
    return born if born >= BIRTH_FIRST else None


def phone_ok(text):
    """A phone number is digits (with + or -), 5 to 20 of them; empty is allowed."""
    value = str(text or "").strip()
    return not value or bool(_PHONE.fullmatch(value))


def mask_id(value):
    """An ID number with its middle hidden: 110101********1234."""
    text = str(value or "")
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def mask_phone(value):
    """A phone number with its middle hidden: 138****5678 (short numbers keep only their end)."""
    text = str(value or "").strip()
    if not text:
        return ""
    if len(text) >= 8:
        return f"{text[:3]}****{text[-4:]}"
    return "****" + text[-2:] if len(text) > 2 else "****"


def tail(value):
    """The last four characters (what search by ID or phone tail matches)."""
    return str(value or "")[-4:]
