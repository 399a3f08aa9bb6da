"""Time and retainers over /api/v1/: the time logged on a request and one's timer (the team
who see the request), every company's retainer month (owners and admins), and one company's
month (the team who see it and its own client people)."""

from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser
from tenant_apps.client_requests.selectors import visible_requests
from tenant_apps.invoices.api import MoneyField
from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.kit.api import cursor_pager
from tenant_apps.people.selectors import visible_companies
from tenant_apps.timesheets import actions
from tenant_apps.timesheets.models import Retainer, Rollover
from tenant_apps.timesheets.selectors import request_entries, retainer_month, retainer_overview


class EntryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    request = serializers.IntegerField(source="request_id")
    member = serializers.CharField(source="member.full_name")
    worked_on = serializers.DateField(help_text="The agency's day the time was worked.")
    minutes = serializers.IntegerField(help_text="0 while its timer runs.")
    billable = serializers.BooleanField()
    note = serializers.CharField()
    running = serializers.BooleanField(source="is_running")
    started_at = serializers.DateTimeField(allow_null=True, help_text="When its timer started.")
    stopped_at = serializers.DateTimeField(allow_null=True)


class MonthOutput(serializers.Serializer):
    """Durations in minutes."""

    month = serializers.DateField(help_text="Its first day.")
    hours_per_month = serializers.DecimalField(
        source="retainer.hours_per_month", max_digits=6, decimal_places=2
    )
    rollover = serializers.ChoiceField(source="retainer.rollover", choices=Rollover.choices)
    rollover_cap_hours = serializers.DecimalField(
        source="retainer.rollover_cap_hours", max_digits=6, decimal_places=2
    )
    included_minutes = serializers.IntegerField()
    carried_minutes = serializers.IntegerField(help_text="Carried over from the month before.")
    used_minutes = serializers.IntegerField(help_text="Billable time logged this month.")
    remaining_minutes = serializers.IntegerField()
    over_minutes = serializers.IntegerField()


def _request(request, request_id):
    actor = actor_for(request)
    client_request = get_object_or_404(visible_requests(actor), pk=request_id)
    require(actor, "time.log", client_request, request=request)
    return actor, client_request


class RequestTimeApi(ListAPIView):
    permission_classes = [Allowed.to("time.log")]
    parser_classes = [JSONParser]
    pagination_class = cursor_pager("-id")
    serializer_class = EntryOutput

    class Input(serializers.Serializer):
        minutes = serializers.IntegerField(min_value=1, max_value=actions.MAX_MINUTES)
        worked_on = serializers.DateField(help_text="The agency's day; today or before.")
        billable = serializers.BooleanField(default=True)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    def get_queryset(self):
        actor, client_request = _request(self.request, self.kwargs["request_id"])
        return request_entries(actor, client_request)

    @extend_schema(summary="The time logged on a request, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=Input, responses={201: EntryOutput}, summary="Log time on a request")
    def post(self, request, request_id):
        actor, client_request = _request(request, request_id)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        entry = actions.time_log(
            client_request=client_request, **form.validated_data, actor=actor.user, request=request
        )
        return Response(EntryOutput(entry).data, status=status.HTTP_201_CREATED)


class TimerStartApi(APIView):
    # Any body, or none: starting needs no fields.
    permission_classes = [Allowed.to("time.log")]

    class Input(serializers.Serializer):
        billable = serializers.BooleanField(default=True)
        note = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(
        request=Input,
        responses={201: EntryOutput},
        summary="Start your timer on a request (400 if yours already runs)",
    )
    def post(self, request, request_id):
        actor, client_request = _request(request, request_id)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        entry = actions.timer_start(
            client_request=client_request, **form.validated_data, actor=actor.user, request=request
        )
        return Response(EntryOutput(entry).data, status=status.HTTP_201_CREATED)


class TimerApi(APIView):
    permission_classes = [Allowed.to("time.log")]

    class Output(serializers.Serializer):
        running = EntryOutput(allow_null=True, help_text="Your running timer, if any.")

    @extend_schema(responses=Output, summary="Your running timer")
    def get(self, request):
        return Response(self.Output({"running": actions.running_timer(request.user)}).data)


class TimerStopApi(APIView):
    permission_classes = [Allowed.to("time.log")]

    @extend_schema(
        request=None, responses=EntryOutput, summary="Stop your timer (400 if none runs)"
    )
    def post(self, request):
        entry = actions.timer_stop(actor=request.user, request=request)
        return Response(EntryOutput(entry).data)


class RetainersApi(APIView):
    permission_classes = [Allowed.to("retainers.manage")]

    class Output(serializers.Serializer):
        class Company(serializers.Serializer):
            id = serializers.IntegerField()
            name = serializers.CharField()

        company = Company()
        month = MonthOutput(allow_null=True, help_text="Null: no retainer.")

    @extend_schema(
        responses=Output(many=True),
        summary="Every client company with its retainer this month (and who is over)",
    )
    def get(self, request):
        rows = retainer_overview(actor_for(request))
        return Response(self.Output(rows, many=True).data)


class CompanyRetainerApi(APIView):
    permission_classes = [Allowed.to("clients.view")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        hours_per_month = serializers.DecimalField(
            max_digits=6, decimal_places=2, min_value=0, max_value=actions.MAX_HOURS_PER_MONTH
        )
        rollover = serializers.ChoiceField(choices=Rollover.choices, default=Rollover.NONE)
        rollover_cap_hours = serializers.DecimalField(
            max_digits=6,
            decimal_places=2,
            min_value=0,
            max_value=actions.MAX_HOURS_PER_MONTH,
            required=False,
            allow_null=True,
            help_text="The most hours carried over; needed when they carry over.",
        )

    def company(self):
        return get_object_or_404(
            visible_companies(actor_for(self.request)), pk=self.kwargs["company_id"]
        )

    @extend_schema(responses=MonthOutput, summary="A company's retainer this month (404: none)")
    def get(self, request, company_id):
        month = retainer_month(actor_for(request), self.company())
        if month is None:
            raise NotFound("This company has no retainer this month.")
        return Response(MonthOutput(month).data)

    @extend_schema(request=Input, responses=MonthOutput, summary="Set a company's retainer")
    def put(self, request, company_id):
        actor = actor_for(request)
        require(actor, "retainers.manage", request=request)
        company = self.company()
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        actions.retainer_set(
            company=company, **form.validated_data, actor=actor.user, request=request
        )
        return Response(MonthOutput(retainer_month(actor, company)).data)

    @extend_schema(responses={204: None}, summary="Remove a company's retainer")
    def delete(self, request, company_id):
        actor = actor_for(request)
        require(actor, "retainers.manage", request=request)
        retainer = get_object_or_404(Retainer, company=self.company())
        actions.retainer_remove(retainer=retainer, actor=actor.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TimeInvoiceApi(APIView):
    permission_classes = [Allowed.to("time.log")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        through = serializers.DateField(help_text="Billable time worked on or before this day.")
        hourly_rate = serializers.DecimalField(
            max_digits=12, decimal_places=2, min_value=Decimal("0.01")
        )
        currency = serializers.CharField(max_length=3)
        number = serializers.CharField(max_length=40)
        issue_date = serializers.DateField()
        due_date = serializers.DateField()

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        number = serializers.CharField()
        status = serializers.CharField()
        currency = serializers.CharField()
        total = MoneyField("total", help_text="In the currency's own decimals.")

    @extend_schema(
        request=Input,
        responses={201: Output},
        summary="Turn a company's billable time not yet invoiced into a draft invoice",
    )
    def post(self, request, company_id):
        actor = actor_for(request)
        company = get_object_or_404(visible_companies(actor), pk=company_id)
        require(actor, "invoices.create", company, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        invoice = actions.time_invoice(
            company=company, **form.validated_data, actor=actor.user, request=request
        )
        return Response(self.Output(invoice).data, status=status.HTTP_201_CREATED)
