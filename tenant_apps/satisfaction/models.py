"""Satisfaction (CSAT): the client who asked rates their resolved request good, okay or bad.

One rating per request, changeable for CHANGE_DAYS after its first answer, then final. The
emailed survey's one-click links are notifications' single-purpose links (ActionLink),
valid for LINK_DAYS; that link also records that the survey of a resolution went out.

Two indexes only (the key and the one rating per request): every index costs every agency
(tests/test_footprint.py), and an agency's ratings are few enough to scan.
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
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,  # never looked up by it
    )
    score = models.CharField(max_length=4, choices=Score.choices)
    comment = models.TextField(blank=True, max_length=COMMENT_MAX_LENGTH)
    via = models.CharField(max_length=6, choices=Via.choices)
    first_answered_at = models.DateTimeField(default=timezone.now)
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
