"""A client's overview for the team, as a page (/clients/<id>/) and over the API.

Client people who open their own company's address (an old link, or a thread about their
company) are sent to their company's people page, which shows what a client may see."""

from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.client_requests.selectors import agency_zone
from tenant_apps.kit.access import Allowed, actor_for, can, permission_required, require
from tenant_apps.people.selectors import visible_companies
from tenant_apps.workspace.overview import client_overview

# The trend's line, drawn in a box this size (SVG user units; CSS scales it).
CHART_WIDTH, CHART_HEIGHT, CHART_PAD = 240, 60, 4


def _company_for(request, company_id):
    """The company, if ``request``'s person sees it (else 404), and their actor."""
    actor = actor_for(request)
    return actor, get_object_or_404(visible_companies(actor), pk=company_id)


def trend_points(scores: list[int]) -> str:
    """An SVG polyline's points for ``scores`` (0 to 100), evenly spaced left to right. The
    line spans 100 down to a floor a little under the lowest score (in tens), so a few
    points' change shows; the weekly figures under it say the scores themselves."""
    floor = max(0, (min(scores) - 10) // 10 * 10)
    step = (CHART_WIDTH - 2 * CHART_PAD) / max(len(scores) - 1, 1)
    height = CHART_HEIGHT - 2 * CHART_PAD
    return " ".join(
        f"{CHART_PAD + index * step:.1f},{CHART_PAD + height * (100 - score) / (100 - floor):.1f}"
        for index, score in enumerate(scores)
    )


@permission_required("clients.view")
def client_overview_page(request, company_id):
    actor, company = _company_for(request, company_id)
    if actor.is_client:
        return redirect("people:company", company.pk)
    require(actor, "company.overview", company, request=request)
    overview = client_overview(actor, company)
    context = {
        "actor": actor,
        "company": company,
        "overview": overview,
        "chart": {"width": CHART_WIDTH, "height": CHART_HEIGHT},
        "may_read_reports": can(actor, "reports.view"),
    }
    if overview.health:
        context["trend_points"] = trend_points([week.score for week in overview.health.weekly])
    with timezone.override(agency_zone()):
        return render(request, "workspace/client.html", context)


@extend_schema_field(OpenApiTypes.STR)
class PageUrl(serializers.Field):
    """The page of the item serialized (a path on this host)."""

    def __init__(self, view_name: str, **kwargs):
        self.view_name = view_name
        super().__init__(source="pk", read_only=True, **kwargs)

    def to_representation(self, value):
        return reverse(self.view_name, args=[value])


class SectionOutput(serializers.Serializer):
    total = serializers.IntegerField(help_text="How many the whole list holds.")
    url = serializers.CharField(help_text="The whole list, filtered to the client.")


def _counted(key: str, help_text: str):
    return serializers.IntegerField(source=f"sample.counts.{key}", help_text=help_text)


class ClientOverviewApi(APIView):
    permission_classes = [Allowed.to("clients.view")]

    class Output(serializers.Serializer):
        class Company(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        class Requests(SectionOutput):
            class Item(serializers.Serializer):
                id = serializers.IntegerField()
                title = serializers.CharField()
                status = serializers.CharField()
                status_label = serializers.CharField(source="get_status_display")
                priority = serializers.CharField()
                owner = serializers.CharField(source="owner.full_name", allow_null=True)
                sla_state = serializers.CharField()
                resolution_due_at = serializers.DateTimeField(allow_null=True)
                due_date = serializers.DateField(allow_null=True)
                url = PageUrl("client_requests:detail")

            breached = _counted("breached", "How many have breached their SLA.")
            items = Item(many=True, help_text="Open, the soonest due for resolution first.")

        class Files(SectionOutput):
            class Item(serializers.Serializer):
                id = serializers.IntegerField()
                name = serializers.CharField()
                is_internal = serializers.BooleanField()
                updated_at = serializers.DateTimeField()
                url = PageUrl("documents:document")

            items = Item(many=True, help_text="The latest changed first.")

        class Approvals(SectionOutput):
            class Item(serializers.Serializer):
                id = serializers.IntegerField()
                title = serializers.CharField()
                created_at = serializers.DateTimeField()
                due_date = serializers.DateField(allow_null=True)
                url = PageUrl("approvals:detail")

            overdue = _counted("overdue", "How many are past their due date.")
            items = Item(many=True, help_text="Pending, the longest waiting first.")

        class Invoices(SectionOutput):
            class Item(serializers.Serializer):
                id = serializers.IntegerField()
                number = serializers.CharField()
                currency = serializers.CharField()
                total = serializers.DecimalField(max_digits=14, decimal_places=2)
                status = serializers.CharField()
                status_label = serializers.CharField(source="get_status_display")
                due_date = serializers.DateField()
                url = PageUrl("invoices:detail")

            overdue = _counted("overdue", "How many are overdue.")
            items = Item(many=True, help_text="Unpaid, the soonest due first.")

        class InvoiceTotal(serializers.Serializer):
            currency = serializers.CharField()
            count = serializers.IntegerField()
            outstanding = serializers.DecimalField(max_digits=16, decimal_places=2)
            overdue = serializers.DecimalField(max_digits=16, decimal_places=2)
            paid = serializers.DecimalField(max_digits=16, decimal_places=2)

        class Conversations(SectionOutput):
            class Item(serializers.Serializer):
                id = serializers.IntegerField()
                title = serializers.CharField()
                is_internal = serializers.BooleanField()
                unread = serializers.IntegerField(help_text="Messages not read yet.")
                last_message_at = serializers.DateTimeField(allow_null=True)
                url = PageUrl("messaging:thread")

            unread = _counted("unread", "How many hold messages not read yet.")
            items = Item(many=True, help_text="The latest active first.")

        class People(SectionOutput):
            class Item(serializers.Serializer):
                id = serializers.IntegerField(source="user_id")
                full_name = serializers.CharField(source="user.full_name")
                email = serializers.EmailField(source="user.email")
                role = serializers.CharField()
                role_label = serializers.CharField(source="get_role_display")

            items = Item(many=True, help_text="By name.")

        class Milestones(SectionOutput):
            class Item(serializers.Serializer):
                id = serializers.IntegerField()
                title = serializers.CharField()
                status = serializers.CharField()
                status_label = serializers.CharField(source="get_status_display")
                due_date = serializers.DateField(allow_null=True)
                url = PageUrl("projects:milestone")

            completed = _counted("completed", "How many are completed.")
            items = Item(many=True, help_text="In the team's order.")

        class Health(serializers.Serializer):
            class Part(serializers.Serializer):
                signal = serializers.CharField()
                label = serializers.CharField()
                value = serializers.FloatField(allow_null=True)
                points = serializers.FloatField(help_text="Taken off 100.")

            class Week(serializers.Serializer):
                as_of = serializers.DateTimeField()
                score = serializers.IntegerField()

            score = serializers.IntegerField(source="current.score", help_text="0 to 100.")
            trend = serializers.IntegerField(
                source="current.trend", help_text="Against the score 28 days earlier."
            )
            as_of = serializers.DateTimeField(source="current.as_of")
            parts = Part(many=True, source="current.parts")
            weekly = Week(many=True, help_text="A week apart, oldest first, now last.")

        company = Company()
        requests = Requests()
        files = Files()
        approvals = Approvals()
        invoices = Invoices()
        invoice_totals = InvoiceTotal(many=True, help_text="Per currency, every invoice.")
        conversations = Conversations()
        people = People()
        milestones = Milestones()
        health = Health(
            allow_null=True,
            help_text="The health score now, its parts, and the score a week apart over the "
            "last 8 weeks (oldest first).",
        )

    @extend_schema(
        responses=Output,
        summary="A client's overview",
        description="For the team who see the client: its open requests, latest files, "
        "pending approvals, unpaid invoices, conversations, people and milestones (a few of "
        "each, with how many there are and the filtered list's address) and its health. "
        "Client people are refused (403); a client the person does not see does not exist "
        "(404).",
    )
    def get(self, request, company_id):
        actor, company = _company_for(request, company_id)
        require(actor, "company.overview", company, request=request)
        return Response(self.Output(client_overview(actor, company)).data)
