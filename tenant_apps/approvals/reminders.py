"""When pending approvals remind their approvers: a pure schedule, run by the beat task.

Each step is named so it is sent once per approver (ApprovalNotice); a sweep that runs late,
or twice, neither skips a step nor repeats one.
"""

from datetime import date

DUE_SOON_DAYS = 2  # remind when the due date is this close
OVERDUE_EVERY_DAYS = 3  # then the day after it passes, and every this many days
UNDATED_EVERY_DAYS = 7  # without a due date, once a week after asking


def reminder_step(*, due_date: date | None, asked_on: date, today: date) -> str | None:
    """The reminder due ``today``, or None. The first is never on the day of asking: the
    request email has just gone out."""
    if asked_on >= today:
        return None
    if due_date is None:
        waited = (today - asked_on).days
        if waited < UNDATED_EVERY_DAYS:
            return None
        return f"waiting_{waited // UNDATED_EVERY_DAYS * UNDATED_EVERY_DAYS}"
    days_left = (due_date - today).days
    if days_left > DUE_SOON_DAYS:
        return None
    if days_left > 0:
        return "due_soon"
    if days_left == 0:
        return "due_today"
    late = -days_left
    return f"overdue_{(late - 1) // OVERDUE_EVERY_DAYS * OVERDUE_EVERY_DAYS + 1}"
