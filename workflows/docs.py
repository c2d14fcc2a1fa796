"""The workflow page of the docs, generated from the machine's tables."""
from workflows.machine import EVENTS, STATES, TIME_LIMITS, mermaid


def workflow_markdown():
    """docs/workflow.md: the diagram, the states, the events and the time limits."""
    lines = [
        "# The case workflow",
        "",
        "Generated from `workflows/machine.py` by `flask --app app workflow-doc`; a test checks it is current.",
        "",
        "```mermaid",
        mermaid().rstrip(),
        "```",
        "",
        "| state | label |",
        "|---|---|",
    ]
    lines += [f"| `{state}` | {label} |" for state, label in STATES.items()]
    lines += ["", "| event | from | to | who | must carry |", "|---|---|---|---|---|"]
    lines += [
        f"| `{e.name}` | {', '.join(e.sources)} | {e.dest or '(internal: same state)'} | `{e.who}` | {', '.join(e.needs) or '—'} |" for e in EVENTS
    ]
    lines += ["", "| step | urgency | limit |", "|---|---|---|"]
    lines += [
        f"| {state} | {urgency or 'any'} | {limit.amount:g} {limit.unit.replace('_', ' ')} |"
        for (state, urgency), limit in TIME_LIMITS.items()
    ]
    return "\n".join(lines) + "\n"
