"""Satisfaction follows requests through client_requests' signal (it never imports us)."""

from django.dispatch import receiver

from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.client_requests.signals import request_resolved


@receiver(request_resolved, dispatch_uid="satisfaction.survey_on_resolved")
def _survey_on_resolved(sender, client_request, actor, **kwargs):
    enqueue_on_commit("tenant_apps.satisfaction.tasks.survey_send", client_request.pk)
