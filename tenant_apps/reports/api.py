"""Reports over /api/v1/reports/<name>: the page's tables, figure for figure, as JSON."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

from tenant_apps.kit.access import Allowed, actor_for
from tenant_apps.reports.catalogue import REPORTS, ReportSpec, report_from_query
from tenant_apps.reports.filters import DEFAULT_WEEKS

PARAMETERS = {
    "start": OpenApiParameter(
        "start",
        OpenApiTypes.DATE,
        description="First day of the period (the agency's time zone); by default the Monday "
        f"that makes it {DEFAULT_WEEKS} calendar weeks up to the end.",
    ),
    "end": OpenApiParameter(
        "end", OpenApiTypes.DATE, description="Last day of the period; today by default."
    ),
    "company": OpenApiParameter("company", OpenApiTypes.INT, description="A client company id."),
    "type": OpenApiParameter("type", OpenApiTypes.STR, description="A request type key."),
    "owner": OpenApiParameter(
        "owner", OpenApiTypes.INT, description="A team member's user id (who owns the request)."
    ),
}

TABLE = inline_serializer(
    "ReportTable",
    {
        "title": serializers.CharField(),
        "columns": inline_serializer(
            "ReportColumn",
            {"key": serializers.CharField(), "label": serializers.CharField()},
            many=True,
        ),
        "rows": serializers.ListField(
            child=serializers.DictField(), help_text="One object per row, keyed by column key."
        ),
        "total_rows": serializers.IntegerField(
            required=False, help_text="Present when the page shows only the first rows."
        ),
    },
)
REPORT = inline_serializer(
    "Report",
    {
        "report": serializers.CharField(),
        "title": serializers.CharField(),
        "computed_at": serializers.DateTimeField(),
        "time_zone": serializers.CharField(),
        "filters": serializers.DictField(),
        "tables": serializers.DictField(child=TABLE, help_text="By table key."),
    },
)


class ReportApi(APIView):
    permission_classes = [Allowed.to("reports.view")]
    spec: ReportSpec

    def get(self, request):
        form, report = report_from_query(self.spec, actor_for(request), request.query_params)
        if report is None:
            raise serializers.ValidationError(form.errors)
        data = form.cleaned_data
        return Response(
            {
                "report": self.spec.name,
                "title": self.spec.title,
                "computed_at": report.computed_at,
                "time_zone": report.zone,
                "filters": {
                    "start": data["start"],
                    "end": data["end"],
                    **{
                        name: getattr(data.get(name), "pk", None)
                        for name in ("company", "owner")
                        if name in self.spec.filters
                    },
                    **(
                        {"type": getattr(data.get("type"), "key", None)}
                        if "type" in self.spec.filters
                        else {}
                    ),
                },
                "tables": {table.key: table.as_dict(report.zone) for table in report.tables},
            }
        )


def report_api(spec: ReportSpec) -> type[ReportApi]:
    """The API view of one report, documented with the filters it honours."""

    # A function of its own, since extend_schema annotates the function it decorates.
    @extend_schema(
        summary=spec.title,
        description=f"{spec.summary} Owners and admins only. The tables and figures of the "
        "report page with the same query string.",
        parameters=[PARAMETERS[name] for name in PARAMETERS if name in spec.filters],
        responses=REPORT,
        operation_id=f"report_{spec.name.replace('-', '_')}",
    )
    def get(self, request):
        return ReportApi.get(self, request)

    name = f"{spec.name.title().replace('-', '')}ReportApi"
    return type(name, (ReportApi,), {"spec": spec, "get": get})


class ReportsApi(APIView):
    permission_classes = [Allowed.to("reports.view")]

    @extend_schema(
        summary="The reports there are",
        responses=inline_serializer(
            "ReportLink",
            {
                "name": serializers.CharField(),
                "title": serializers.CharField(),
                "summary": serializers.CharField(),
                "url": serializers.URLField(),
            },
            many=True,
        ),
    )
    def get(self, request):
        return Response(
            [
                {
                    "name": spec.name,
                    "title": spec.title,
                    "summary": spec.summary,
                    "url": reverse(f"api-report-{spec.name}", request=request),
                }
                for spec in REPORTS.values()
            ]
        )
