from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.client_requests.selectors import agency_zone
from tenant_apps.kit.access import Allowed, actor_for, permission_required
from tenant_apps.kit.roles import ClientRole, TeamRole
from tenant_apps.workspace.actions import checklist_dismiss
from tenant_apps.workspace.checklist import first_run_checklist
from tenant_apps.workspace.selectors import HEALTH_FRESH_SECONDS, dashboard


@permission_required("workspace.use")
def home(request):
    """The dashboard: the client's or the team's, around the inbox's Waiting on you (client
    people) or Next actions (the team)."""
    actor = actor_for(request)
    zone = agency_zone()
    board = dashboard(actor, zone)
    context = {
        "dashboard": board,
        # The inbox's part of the page (inbox/includes/home.html) reads these.
        "waiting_on_you": getattr(board, "waiting_on_you", []),
        "next_actions": getattr(board, "next_actions", []),
        "health_fresh_minutes": HEALTH_FRESH_SECONDS // 60,
    }
    if getattr(board, "side", None) == "team":
        checklist = first_run_checklist(actor)
        # A new agency sees its first steps, not a row of zeros.
        quiet = not any(counter.count for counter in board.counters)
        context |= {"checklist": checklist, "hide_counters": checklist is not None and quiet}
    with timezone.override(zone):  # times shown in the agency's day, as "today" is counted
        return render(request, "workspace/home.html", context)


@require_POST
@permission_required("workspace.first_run")
def checklist_dismissed(request):
    checklist_dismiss(actor=request.user, request=request)
    messages.success(request, "The checklist is put away for the whole team.")
    return redirect("workspace:home")


class MeApi(APIView):
    class Output(serializers.Serializer):
        class Company(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        id = serializers.IntegerField()
        email = serializers.EmailField()
        full_name = serializers.CharField()
        team_role = serializers.ChoiceField(TeamRole.choices, allow_null=True)
        client_role = serializers.ChoiceField(ClientRole.choices, allow_null=True)
        company = Company(allow_null=True, help_text="The client company of a client person.")
        agency = serializers.CharField()

    @extend_schema(responses=Output, summary="The signed-in person")
    def get(self, request):
        actor = actor_for(request)
        data = {
            "id": actor.user.pk,
            "email": actor.user.email,
            "full_name": actor.user.full_name,
            "team_role": actor.team.role if actor.team else None,
            "client_role": actor.client.role if actor.client else None,
            "company": actor.client.company if actor.client else None,
            "agency": request.tenant.name,
        }
        return Response(self.Output(data).data)


class FeedEntryOutput(serializers.Serializer):
    id = serializers.IntegerField(help_text="The activity log entry.")
    occurred_at = serializers.DateTimeField()
    kind = serializers.CharField(
        help_text="request, document, approval, invoice, message, file_request, "
        "milestone; empty for an entry about something else."
    )
    headline = serializers.CharField()
    summary = serializers.CharField(help_text="What happened, with who did it, in plain words.")
    status = serializers.CharField(
        allow_null=True, help_text="The item's status now, if it has one."
    )
    status_label = serializers.CharField()
    url = serializers.CharField(allow_null=True)
    actor = serializers.CharField()
    company = serializers.CharField()


class DashboardItemOutput(serializers.Serializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    action_label = serializers.CharField()
    action_url = serializers.CharField()
    due_date = serializers.DateField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.BooleanField()
    detail = serializers.CharField()
    since = serializers.DateTimeField(allow_null=True)


TEAM_ONLY = "The team's only: null for client people."
CLIENTS_ONLY = "Client people's only: null for the team."


class DashboardApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    class Output(serializers.Serializer):
        class Counter(serializers.Serializer):
            key = serializers.CharField()
            label = serializers.CharField()
            count = serializers.IntegerField()
            url = serializers.CharField(help_text="The list counted (a path on this host).")

        class Section(serializers.Serializer):
            key = serializers.CharField()
            label = serializers.CharField()
            items = DashboardItemOutput(many=True)

        class ProjectUpdates(serializers.Serializer):
            class Milestone(serializers.Serializer):
                id = serializers.IntegerField()
                title = serializers.CharField()
                description = serializers.CharField()
                status = serializers.CharField()
                status_label = serializers.CharField(source="get_status_display")
                due_date = serializers.DateField(allow_null=True)
                is_overdue = serializers.BooleanField()
                updated_at = serializers.DateTimeField()

            milestones = Milestone(many=True)
            total = serializers.IntegerField()
            completed = serializers.IntegerField()

        class Payments(serializers.Serializer):
            class Invoice(serializers.Serializer):
                id = serializers.IntegerField()
                number = serializers.CharField()
                currency = serializers.CharField()
                total = serializers.DecimalField(max_digits=14, decimal_places=2)
                status = serializers.CharField()
                status_label = serializers.CharField(source="get_status_display")
                due_date = serializers.DateField()

            class Total(serializers.Serializer):
                currency = serializers.CharField()
                count = serializers.IntegerField()
                outstanding = serializers.DecimalField(max_digits=16, decimal_places=2)
                overdue = serializers.DecimalField(max_digits=16, decimal_places=2)
                paid = serializers.DecimalField(max_digits=16, decimal_places=2)

            invoices = Invoice(many=True, help_text="Unpaid, soonest due first.")
            totals = Total(many=True, help_text="Per currency, every invoice they may see.")

        class WorkloadRow(serializers.Serializer):
            class Cell(serializers.Serializer):
                state = serializers.CharField(help_text="An SLA state.")
                count = serializers.IntegerField()
                url = serializers.CharField()

            owner_id = serializers.IntegerField(allow_null=True, help_text="Null: unassigned.")
            owner = serializers.CharField()
            cells = Cell(many=True)
            total = serializers.IntegerField()
            url = serializers.CharField()

        class PendingApprovals(serializers.Serializer):
            class Approval(serializers.Serializer):
                id = serializers.IntegerField()
                title = serializers.CharField()
                company = serializers.CharField(source="company.name")
                created_at = serializers.DateTimeField()
                age_days = serializers.IntegerField()
                due_date = serializers.DateField(allow_null=True)

            approvals = Approval(many=True, help_text="Longest waiting first.")
            total = serializers.IntegerField()

        class Attention(serializers.Serializer):
            class Worst(serializers.Serializer):
                signal = serializers.CharField()
                label = serializers.CharField()
                value = serializers.FloatField(allow_null=True)
                points = serializers.FloatField()

            company_id = serializers.IntegerField()
            company = serializers.CharField()
            score = serializers.IntegerField(source="health.score", help_text="0 to 100.")
            trend = serializers.IntegerField(
                source="health.trend", help_text="Against the score 28 days earlier."
            )
            worst = Worst(allow_null=True, help_text="The signal that took the most points.")

        class Today(serializers.Serializer):
            entries = FeedEntryOutput(many=True)
            total = serializers.IntegerField()

        side = serializers.ChoiceField(["client", "team"], allow_null=True)
        counters = Counter(many=True)
        activity = FeedEntryOutput(
            many=True,
            allow_null=True,
            help_text="The latest of what happened to the company's items the person may see. "
            + CLIENTS_ONLY,
        )
        waiting_on_you = DashboardItemOutput(many=True, allow_null=True, help_text=CLIENTS_ONLY)
        project_updates = ProjectUpdates(allow_null=True, help_text=CLIENTS_ONLY)
        payments = Payments(
            allow_null=True,
            help_text="Open invoices: for client admins and finance people; null otherwise.",
        )
        workload = WorkloadRow(
            many=True, allow_null=True, help_text="Open requests per owner. " + TEAM_ONLY
        )
        pending_approvals = PendingApprovals(allow_null=True, help_text=TEAM_ONLY)
        clients_needing_attention = Attention(
            many=True, allow_null=True, help_text="Lowest health scores first. " + TEAM_ONLY
        )
        health_as_of = serializers.DateTimeField(
            allow_null=True,
            help_text=f"When the health scores were worked out (at most "
            f"{HEALTH_FRESH_SECONDS // 60} minutes before). {TEAM_ONLY}",
        )
        today = Today(allow_null=True, help_text="The work logged today. " + TEAM_ONLY)
        next_actions = Section(many=True, allow_null=True, help_text=TEAM_ONLY)

    @extend_schema(
        responses=Output,
        summary="The signed-in person's dashboard",
        description="The home page's figures. Client people get their company's counters, "
        "activity, what is waiting on them, project updates and (client admins and finance "
        "people) payments; the team gets counters, workload, pending approvals, clients "
        "needing attention, today's activity and next actions, for the clients they see. "
        "The other side's parts are null.",
    )
    def get(self, request):
        board = dashboard(actor_for(request), agency_zone())
        data = dict.fromkeys(self.Output().fields)
        if board is not None:
            data |= {name: getattr(board, name, None) for name in data}
            if board.side == "team":
                data["today"] = {"entries": board.today, "total": board.today_total}
        return Response(self.Output(data).data)
