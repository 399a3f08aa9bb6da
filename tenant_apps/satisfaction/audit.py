"""The codes satisfaction writes to the activity log."""

from enum import nonmember

from tenant_apps.activity.events import HIDDEN, AuditEvent, Field
from tenant_apps.satisfaction.models import Score, Via


class SatisfactionAudit(AuditEvent):
    RATING_GIVEN = (
        "rating.given",
        "Rating given",
        "{actor} rated {object}: {score}",
        "{actor} rated {object}",
    )
    RATING_CHANGED = (
        "rating.changed",
        "Rating changed",
        "{actor} changed their rating of {object} to {score}",
        "{actor} changed their rating of {object}",
    )
    SURVEY_SENT = (
        "rating.survey_sent",
        "Satisfaction survey sent",
        "A satisfaction survey about {object} was emailed",
    )

    fields = nonmember(
        {
            "score": Field("Rating", Score),
            "comment": Field("Comment"),
            "via": Field("Given through", Via),
            "recipient": HIDDEN,
        }
    )
