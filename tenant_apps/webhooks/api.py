"""Webhook endpoints over /api/v1/, for owners and admins. A secret is in the answer that
makes it (creating the endpoint, rotating its secret) and nowhere after."""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser
from tenant_apps.kit.access import Allowed, actor_for
from tenant_apps.kit.api import NewestFirst
from tenant_apps.people.models import ClientCompany
from tenant_apps.webhooks import actions
from tenant_apps.webhooks.forms import GRACE_CHOICES
from tenant_apps.webhooks.models import (
    SUBSCRIBABLE,
    DeliveryStatus,
    Endpoint,
    EndpointKind,
    EventType,
)
from tenant_apps.webhooks.selectors import delivery_log
from tenant_apps.webhooks.signing import __doc__ as SIGNING_DOC

MANAGE = [Allowed.to("webhooks.manage")]


def _companies():
    return ClientCompany.objects.filter(is_archived=False)


class EndpointOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(EndpointKind.choices)
    url = serializers.CharField(
        source="url_hint",
        help_text="The URL; a Slack one only as its host and last characters (it is the "
        "channel's credential).",
    )
    company = serializers.IntegerField(
        source="company_id",
        allow_null=True,
        help_text="Only events about this client company's items, never internal ones.",
    )
    description = serializers.CharField()
    event_types = serializers.ListField(child=serializers.ChoiceField(SUBSCRIBABLE))
    is_active = serializers.BooleanField()
    secret_hint = serializers.CharField(help_text="The secret's first and last characters.")
    previous_secret_expires_at = serializers.DateTimeField(
        allow_null=True, help_text="Until then the previous secret signs too (after a rotation)."
    )
    created_at = serializers.DateTimeField()


class EndpointWithSecret(EndpointOutput):
    secret = serializers.CharField(help_text="Shown in this answer only: store it now.")


class EndpointInput(serializers.Serializer):
    kind = serializers.ChoiceField(EndpointKind.choices, default=EndpointKind.SIGNED)
    url = serializers.URLField(
        max_length=500,
        help_text="https, on a public address; redirects are not followed. For Slack, the "
        "Incoming Webhook URL (https://hooks.slack.com/services/…).",
    )
    company = serializers.PrimaryKeyRelatedField(
        queryset=_companies(), allow_null=True, default=None
    )
    description = serializers.CharField(max_length=200, allow_blank=True, default="")
    event_types = serializers.ListField(
        child=serializers.ChoiceField(SUBSCRIBABLE), allow_empty=False
    )


class EndpointsApi(ListAPIView):
    permission_classes = MANAGE
    unkeyed_field = "url"  # refusals naming no field (shared_apps.core.api_errors)
    parser_classes = [JSONParser]
    pagination_class = None
    serializer_class = EndpointOutput
    queryset = Endpoint.objects.all()

    @extend_schema(summary="The agency's webhook endpoints (owners and admins)")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=EndpointInput,
        responses={201: EndpointWithSecret},
        summary="Register a webhook endpoint",
        description=SIGNING_DOC,
    )
    def post(self, request):
        form = EndpointInput(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        endpoint = actions.endpoint_create(
            kind=data["kind"],
            company=data["company"],
            url=data["url"],
            event_types=data["event_types"],
            description=data["description"],
            actor=actor_for(request).user,
            request=request,
        )
        return Response(
            EndpointWithSecret(endpoint).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-webhook", args=(endpoint.pk,))},
        )


class OneEndpoint:
    # For views under /webhooks/{id}: that endpoint, else a 404.
    def endpoint(self) -> Endpoint:
        return get_object_or_404(Endpoint, pk=self.kwargs["endpoint_id"])


class EndpointApi(OneEndpoint, APIView):
    permission_classes = MANAGE
    unkeyed_field = "url"  # refusals naming no field (shared_apps.core.api_errors)
    parser_classes = [JSONParser]

    class Input(EndpointInput):
        kind = None  # fixed when made
        url = serializers.URLField(max_length=500, required=False)
        company = serializers.PrimaryKeyRelatedField(
            queryset=_companies(), allow_null=True, required=False
        )
        description = serializers.CharField(max_length=200, allow_blank=True, required=False)
        event_types = serializers.ListField(
            child=serializers.ChoiceField(SUBSCRIBABLE), allow_empty=False, required=False
        )
        is_active = serializers.BooleanField(required=False)

    @extend_schema(responses=EndpointOutput, summary="One webhook endpoint")
    def get(self, request, endpoint_id):
        return Response(EndpointOutput(self.endpoint()).data)

    @extend_schema(
        request=Input,
        responses=EndpointOutput,
        summary="Change a webhook endpoint",
        description="Its URL, events, client or description, or turn it off and on "
        "(`is_active`). Its kind stays what it was made.",
    )
    def patch(self, request, endpoint_id):
        endpoint = self.endpoint()
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        actions.endpoint_update(
            endpoint=endpoint,
            url=data.get("url", endpoint.url),
            event_types=data.get("event_types", endpoint.event_types),
            description=data.get("description", endpoint.description),
            is_active=data.get("is_active", endpoint.is_active),
            company=data.get("company", endpoint.company),
            actor=actor_for(request).user,
            request=request,
        )
        return Response(EndpointOutput(endpoint).data)

    @extend_schema(responses={204: None}, summary="Delete a webhook endpoint and its log")
    def delete(self, request, endpoint_id):
        actions.endpoint_delete(
            endpoint=self.endpoint(), actor=actor_for(request).user, request=request
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotateSecretApi(OneEndpoint, APIView):
    permission_classes = MANAGE
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        grace_hours = serializers.ChoiceField(
            [hours for hours, _ in GRACE_CHOICES],
            default=actions.ROTATION_GRACE_HOURS,
            help_text="How long the current secret still signs (a second v1); 0 stops it now.",
        )

    @extend_schema(
        request=Input,
        responses=EndpointWithSecret,
        summary="Make a new signing secret",
        description="The new secret is in this answer only.",
    )
    def post(self, request, endpoint_id):
        endpoint = self.endpoint()
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        actions.endpoint_secret_rotate(
            endpoint=endpoint,
            grace_hours=form.validated_data["grace_hours"],
            actor=actor_for(request).user,
            request=request,
        )
        return Response(EndpointWithSecret(endpoint).data)


class PingApi(OneEndpoint, APIView):
    permission_classes = MANAGE

    @extend_schema(
        request=None,
        responses={202: None},
        summary="Send a test event",
        description=f"A `{EventType.PING}` event to this endpoint; see its deliveries.",
    )
    def post(self, request, endpoint_id):
        actions.endpoint_ping(
            endpoint=self.endpoint(), actor=actor_for(request).user, request=request
        )
        return Response(status=status.HTTP_202_ACCEPTED)


class DeliveriesApi(OneEndpoint, ListAPIView):
    permission_classes = MANAGE
    pagination_class = NewestFirst

    class Output(serializers.Serializer):
        class AttemptOutput(serializers.Serializer):
            number = serializers.IntegerField()
            started_at = serializers.DateTimeField()
            duration_ms = serializers.IntegerField()
            status_code = serializers.IntegerField(allow_null=True)
            error = serializers.CharField()
            response_excerpt = serializers.CharField(help_text="The start of the answer.")

        id = serializers.IntegerField()
        event_id = serializers.SerializerMethodField()
        event_type = serializers.ChoiceField(EventType.choices, source="event.type")
        status = serializers.ChoiceField(DeliveryStatus.choices)
        attempts = AttemptOutput(many=True, source="attempt_log.all")
        next_attempt_at = serializers.DateTimeField(allow_null=True)
        created_at = serializers.DateTimeField()
        completed_at = serializers.DateTimeField(allow_null=True)

        def get_event_id(self, delivery) -> str:
            return f"evt_{delivery.event_id}"

    serializer_class = Output

    def get_queryset(self):
        return delivery_log(self.endpoint())

    @extend_schema(
        summary="An endpoint's delivery log",
        description="Newest first, each with every attempt: status code, duration, error.",
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
