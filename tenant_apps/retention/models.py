import math

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

# Never shorter: a slip of the keyboard must not wipe last month's work before anyone notices.
KEEP_MIN_DAYS = 30
# Longer than ten years is "keep": leave the field empty.
KEEP_MAX_DAYS = 3650
# A sign-in record lives at least as long as the session it describes may (SESSION_COOKIE_AGE).
SIGN_INS_MIN_DAYS = max(KEEP_MIN_DAYS, math.ceil(settings.SESSION_COOKIE_AGE / 86400))


def _days(verbose_name: str, help_text: str, minimum: int = KEEP_MIN_DAYS):
    return models.IntegerField(
        null=True,
        blank=True,
        verbose_name=verbose_name,
        help_text=help_text,
        validators=[
            MinValueValidator(minimum, f"At least {minimum} days, or empty to keep them."),
            MaxValueValidator(
                KEEP_MAX_DAYS, f"At most {KEEP_MAX_DAYS} days; leave it empty to keep them."
            ),
        ],
    )


class RetentionPolicy(models.Model):
    """How long the agency keeps old records: one row per schema (selectors.retention_policy).

    Each period is in days; empty (the default) keeps those records for good. The activity
    log is never removed: it is the agency's record of what happened.
    """

    closed_requests_days = _days(
        "Closed requests",
        "Counted from when it was closed; it goes with its replies, attachments and conversation.",
    )
    old_versions_days = _days(
        "Old file versions",
        "Counted from when a newer version replaced it. The current version and versions an "
        "approval was asked about are always kept.",
    )
    sign_ins_days = _days(
        "Sign-in records",
        "Counted from when the browser was last seen: its address and browser name go, with "
        "sign-in links and failed sign-in attempts as old.",
        SIGN_INS_MIN_DAYS,
    )
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name_plural = "retention policies"
        constraints = [
            models.CheckConstraint(condition=models.Q(pk=1), name="one_retention_policy")
        ]

    def __str__(self):
        return "Retention settings"

    @property
    def keeps_everything(self) -> bool:
        return not any(getattr(self, name) for name in PERIODS)


PERIODS = ("closed_requests_days", "old_versions_days", "sign_ins_days")
