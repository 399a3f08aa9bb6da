"""Satisfaction (CSAT): the client who asked rates their resolved request good, okay or bad.

One rating per request, changeable for CHANGE_DAYS after its first answer, then final. The
emailed survey's one-click links are notifications' single-purpose links (ActionLink),
valid for LINK_DAYS; SurveyInvite records each survey sent, so a retried task sends it once.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from tenant_apps.client_requests.models import ClientRequest

CHANGE_DAYS = 7
LINK_DAYS = 7
COMMENT_MAX_LENGTH = 2000


class Score(models.TextChoices):
    GOOD = "good", "Good"
    OKAY = "okay", "Okay"
    BAD = "bad", "Bad"


class Via(models.TextChoices):
    PORTAL = "portal", "The request page"
    EMAIL = "email", "The emailed link"
    API = "api", "The API"


class Rating(models.Model):
    request = models.OneToOneField(ClientRequest, on_delete=models.CASCADE, related_name="rating")
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    score = models.CharField(max_length=4, choices=Score.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    via = models.CharField(max_length=6, choices=Via.choices)
    first_answered_at = models.DateTimeField(default=timezone.now, db_index=True)
    answered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-first_answered_at", "-id"]

    def __str__(self):
        return f"{self.get_score_display()} for request #{self.request_id}"

    @property
    def changeable_until(self):
        return self.first_answered_at + timedelta(days=CHANGE_DAYS)

    def is_final(self, now=None) -> bool:
        return (now or timezone.now()) >= self.changeable_until


class SurveyInvite(models.Model):
    """One emailed survey per resolution of a request (a reopened and resolved-again request
    unrated so far is asked again)."""

    request = models.ForeignKey(ClientRequest, on_delete=models.CASCADE, related_name="+")
    resolved_at = models.DateTimeField()
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["request", "resolved_at"], name="satisfaction_one_survey_per_resolution"
            )
        ]

    def __str__(self):
        return f"Survey for request #{self.request_id}"
