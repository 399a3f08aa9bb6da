"""Milestones and the weekly report switch over /api/v1/. Policy decides; actions write;
serializers only validate and shape.

A milestone the caller cannot see is a 404, like one that does not exist; a change they may
not make to one they can see is a 403. Refusals are 400s naming the field.
"""

from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser
from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.kit.api import cursor_pager
from tenant_apps.people.api import VisibleCompanyField
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies
from tenant_apps.projects import actions
from tenant_apps.projects.forms import MilestoneFilterForm
from tenant_apps.projects.models import Milestone, MilestoneStatus
from tenant_apps.projects.selectors import visible_milestones, weekly_report_enabled

# Client by client, each in the team's order.
InTheirOrder = cursor_pager("company_id", "position", "id")


class MilestoneOutput(serializers.Serializer):
    class Company(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()

    class Person(serializers.Serializer):
        id = serializers.IntegerField()
        full_name = serializers.CharField()

    id = serializers.IntegerField()
    company = Company()
    title = serializers.CharField()
    description = serializers.CharField()
    status = serializers.ChoiceField(MilestoneStatus.choices)
    due_date = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField()
    position = serializers.IntegerField(help_text="1, 2, 3… within the client's milestones.")
    posted_by = Person()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)


def _errors(form) -> dict:
    return {
        field: [error["message"] for error in errors]
        for field, errors in form.errors.get_json_data().items()
    }


class OneMilestone:
    # For views under /milestones/{id}: that milestone if the caller can see it, else a 404.
    # A comment, not a docstring: the schema would show it on every subclass's operations.

    def milestone(self) -> Milestone:
        actor = actor_for(self.request)
        return get_object_or_404(visible_milestones(actor), pk=self.kwargs["milestone_id"])

    def managed(self) -> Milestone:
        milestone, request = self.milestone(), self.request
        require(actor_for(request), "milestones.manage", milestone.company, request=request)
        return milestone


class MilestonesApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    pagination_class = InTheirOrder
    parser_classes = [JSONParser]
    serializer_class = MilestoneOutput

    class Input(serializers.Serializer):
        company = VisibleCompanyField(queryset=ClientCompany.objects.all())
        title = serializers.CharField(max_length=200)
        description = serializers.CharField(max_length=5000, required=False, default="")
        status = serializers.ChoiceField(MilestoneStatus.choices, default=MilestoneStatus.PLANNED)
        due_date = serializers.DateField(required=False, allow_null=True, default=None)

    def get_queryset(self):
        actor = actor_for(self.request)
        companies = visible_companies(actor) if actor.is_team else None
        form = MilestoneFilterForm(self.request.query_params, companies=companies)
        if not form.is_valid():
            raise serializers.ValidationError(_errors(form))
        return form.apply(visible_milestones(actor))

    @extend_schema(
        summary="Milestones the caller can see",
        description="Client people see their company's; staff those of their assigned "
        "companies. Client by client, each in the team's order.",
        parameters=[
            OpenApiParameter("company", OpenApiTypes.INT, description="A client company id."),
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=["open", *MilestoneStatus.values],
                description='"open": not completed.',
            ),
        ],
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: MilestoneOutput},
        summary="Post a milestone",
        description="The team, for a client they see; it goes at the end of the client's list.",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "milestones.manage", request=request)
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        company = data.pop("company")
        require(actor, "milestones.manage", company, request=request)
        created = actions.milestone_post(company=company, actor=actor.user, request=request, **data)
        return Response(
            MilestoneOutput(created).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-milestone", args=(created.pk,))},
        )


class MilestoneApi(OneMilestone, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        due_date = serializers.DateField(required=False, allow_null=True)
        status = serializers.ChoiceField(MilestoneStatus.choices, required=False)

    @extend_schema(responses=MilestoneOutput, summary="One milestone")
    def get(self, request, milestone_id):
        return Response(MilestoneOutput(self.milestone()).data)

    @extend_schema(
        request=Input,
        responses=MilestoneOutput,
        summary="Change a milestone",
        description="The team who see its client. Fields left out stay as they are.",
    )
    def patch(self, request, milestone_id):
        milestone = self.managed()
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        changes = dict(form.validated_data)
        new_status = changes.pop("status", None)
        milestone = actions.milestone_update(
            milestone=milestone, actor=request.user, request=request, **changes
        )
        if new_status is not None:
            milestone = actions.milestone_status_change(
                milestone=milestone, status=new_status, actor=request.user, request=request
            )
        return Response(MilestoneOutput(self.milestone()).data)

    @extend_schema(responses={204: None}, summary="Remove a milestone")
    def delete(self, request, milestone_id):
        actions.milestone_remove(milestone=self.managed(), actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MilestoneMoveApi(OneMilestone, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        direction = serializers.ChoiceField(["up", "down"])

    @extend_schema(
        request=Input,
        responses=MilestoneOutput,
        summary="Move a milestone up or down its client's list",
        description="Swaps it with its neighbour; at either end nothing changes.",
    )
    def post(self, request, milestone_id):
        milestone = self.managed()
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        actions.milestone_move(
            milestone=milestone,
            direction=form.validated_data["direction"],
            actor=request.user,
            request=request,
        )
        return Response(MilestoneOutput(self.milestone()).data)


class WeeklyReportApi(APIView):
    permission_classes = [Allowed.to("weekly_report.manage")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        is_enabled = serializers.BooleanField()

    class Output(serializers.Serializer):
        is_enabled = serializers.BooleanField(
            help_text="Whether client admins get the weekly report on Mondays."
        )

    @extend_schema(responses=Output, summary="The weekly client report switch")
    def get(self, request):
        return Response(self.Output({"is_enabled": weekly_report_enabled()}).data)

    @extend_schema(
        request=Input,
        responses=Output,
        summary="Switch the weekly client report on or off",
        description="The owner's.",
    )
    def put(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        setting = actions.weekly_report_switch(
            enabled=form.validated_data["is_enabled"], actor=request.user, request=request
        )
        return Response(self.Output(setting).data)
