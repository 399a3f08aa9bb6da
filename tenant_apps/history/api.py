from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.generics import ListAPIView

from tenant_apps.activity.descriptions import line
from tenant_apps.activity.events import audit_events
from tenant_apps.activity.selectors import activity_filter
from tenant_apps.history.forms import ActivityFilterForm
from tenant_apps.history.selectors import activity_visible_to, reader_for
from tenant_apps.kit.access import Allowed, actor_for
from tenant_apps.kit.api import NewestFirst

# The query parameters ActivityFilterForm reads (a test keeps the two in step).
FILTER_PARAMETERS = [
    OpenApiParameter(
        "person",
        OpenApiTypes.INT,
        description="Only entries by this user id. Unless you may see the whole log, "
        "only your own id is accepted.",
    ),
    OpenApiParameter(
        "company",
        OpenApiTypes.INT,
        description="Only entries about this client company id (or by its people).",
    ),
    OpenApiParameter(
        "action", OpenApiTypes.STR, enum=sorted(audit_events()), description="Only this action."
    ),
    OpenApiParameter("since", OpenApiTypes.DATE, description="From this day on, inclusive."),
    OpenApiParameter("until", OpenApiTypes.DATE, description="Up to this day, inclusive."),
]


@extend_schema_view(
    get=extend_schema(
        summary="Activity history",
        description="The whole workspace's log for owners and admins; everyone else gets "
        "their own entries. Newest first.",
        parameters=FILTER_PARAMETERS,
    )
)
class ActivityApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    pagination_class = NewestFirst

    @extend_schema_serializer(component_name="ActivityEntry")
    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        occurred_at = serializers.DateTimeField()
        actor = serializers.IntegerField(source="actor_id", allow_null=True)
        actor_label = serializers.CharField(
            help_text="The actor's email when it happened; their tombstone once erased."
        )
        action = serializers.CharField()
        summary = serializers.SerializerMethodField(
            help_text="The entry in plain words, with who did it, as the log's pages say it "
            "(sign-ins are not folded here)."
        )
        description = serializers.CharField(help_text="What happened, without who did it.")
        object_type = serializers.CharField()
        object_id = serializers.CharField()
        object_label = serializers.CharField()
        company = serializers.IntegerField(source="company_id", allow_null=True)
        company_name = serializers.CharField(source="company.name", allow_null=True)
        changes = serializers.JSONField(help_text="Before/after pairs, or plain values.")
        ip_address = serializers.IPAddressField(allow_null=True)
        user_agent = serializers.CharField()
        prev_hash = serializers.CharField()
        entry_hash = serializers.CharField()

        def get_summary(self, entry) -> str:
            return line(entry, self.context["reader"]).text

    serializer_class = Output

    def get_serializer_context(self):
        return super().get_serializer_context() | {"reader": reader_for(actor_for(self.request))}

    def get_queryset(self):
        actor = actor_for(self.request)
        form = ActivityFilterForm(self.request.query_params, actor=actor)
        if not form.is_valid():
            errors = form.errors.get_json_data()
            raise serializers.ValidationError(
                {field: [error["message"] for error in found] for field, found in errors.items()}
            )
        return activity_filter(activity_visible_to(actor), **form.cleaned_data)
