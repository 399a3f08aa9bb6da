from django.conf import settings
from django.db import models


class FirstRun(models.Model):
    """An agency's first steps: its welcome email and the checklist on the team's home page.
    One row per schema (see checklist.first_run_row)."""

    welcome_sent_at = models.DateTimeField(null=True, blank=True)
    checklist_dismissed_at = models.DateTimeField(null=True, blank=True)
    checklist_dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="one_first_run")]

    def __str__(self):
        return "First run"
