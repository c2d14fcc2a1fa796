"""The domain's words for its codes: urgencies, sources, roles, grid types (translated when shown)."""
from workflows.machine import N_

URGENCY_LABELS = {"urgent": N_("Urgent"), "normal": N_("Normal"), "complex": N_("Complex")}
SOURCE_LABELS = {
    "patrol": N_("Patrol"),
    "resident": N_("Resident report"),
    "building_head": N_("Building head"),
    "hotline": N_("Hotline"),
    "api": N_("City platform"),
}
ROLE_LABELS = {
    "member": N_("Grid member"),
    "lead": N_("Grid lead"),
    "dispatcher": N_("Grid office dispatcher"),
    "handler": N_("Department handler"),
    "supervisor": N_("Supervisor"),
    "admin": N_("Administrator"),
    "building_head": N_("Building or unit head"),
    "resident": N_("Resident"),
    "api": N_("City platform"),
    "system": N_("System"),
}
GRID_TYPE_LABELS = {"standard": N_("Standard grid"), "environment": N_("Environmental grid"), "area": N_("Area grid")}

TASK_STATE_LABELS = {
    "open": N_("Open"),  # 进行中
    "done": N_("Done"),  # 已完成
    "cancelled": N_("Cancelled"),  # 已撤销
}
TASK_EVENT_LABELS = {
    "give": N_("Given"),  # 交办
    "done": N_("Reported done"),  # 报告完成
    "cancel": N_("Cancelled"),  # 撤销
}
