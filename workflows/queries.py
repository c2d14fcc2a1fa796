"""Read-side queries shared by pages, exports and statistics."""
from workflows.models import Case


def visible_cases(actor, query=None):
    """The cases this user may see, as a query (the same rules as rules.can_view)."""
    query = query if query is not None else Case.select()
    role = getattr(actor, "role", None)
    if role == "admin":
        return query
    if role in ("member", "lead"):
        return query.where(Case.grid == actor.org_id)
    if role in ("dispatcher", "supervisor") and actor.org_id is not None:
        return query.where(scope_column(actor.org.kind) == actor.org_id)
    if role == "handler" and actor.department_id is not None:
        return query.where(Case.department == actor.department_id)
    return query.where(Case.id.is_null())


def scope_column(kind):
    """The Case column holding the org unit of this kind."""
    return {"grid": Case.grid, "community": Case.community, "street": Case.street, "district": Case.district}[kind]
