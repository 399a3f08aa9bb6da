"""Approvals over /api/v1/. Policy decides; actions write; serializers only validate and shape.

An approval the caller cannot see is a 404, like one that does not exist; an action they may
not take on one they can see is a 403. Refusals (a duplicate decision, a superseded approval,
someone who may not approve) are 400s naming the field, and nothing is written.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.accounts.models import User
from shared_apps.core.text import JSONParser
from tenant_apps.approvals import actions
from tenant_apps.approvals.export import record_response
from tenant_apps.approvals.forms import STATUS_FILTERS, TEXT_MAX_LENGTH, ApprovalFilterForm
from tenant_apps.approvals.models import ApprovalRequest, ApprovalStatus, Decision, SignInMethod
from tenant_apps.approvals.selectors import (
    approval_preview,
    approval_rows,
    approval_with_decisions,
    invoice_for,
    version_for,
    visible_approvals,
)
from tenant_apps.files.api import PreviewOutput
from tenant_apps.files.responses import file_download_response, file_preview_page_response
from tenant_apps.kit.access import Actor, Allowed, actor_for, require
from tenant_apps.kit.api import STORED_FILE, NewestFirst


def _approvals(actor: Actor, approvals=None):
    """``approvals`` (all ``actor`` may see by default) with what the output shows."""
    visible = visible_approvals(actor) if approvals is None else approvals
    return approval_with_decisions(approval_rows(actor, visible))


class OneApproval:
    # For views under /approvals/{id}: that approval, if the caller can see it, else a 404.
    # A comment, not a docstring: the schema would show it on every subclass's operations.

    @property
    def actor(self) -> Actor:
        return actor_for(self.request)

    def approval(self) -> ApprovalRequest:
        if not hasattr(self, "_approval"):
            self._approval = get_object_or_404(
                _approvals(self.actor), pk=self.kwargs["approval_id"]
            )
            require(self.actor, "approval.view", self._approval, request=self.request)
        return self._approval


class ApprovalPerson(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    email = serializers.EmailField()


class DecisionOutput(serializers.Serializer):
    class Entry(serializers.Serializer):
        id = serializers.IntegerField()
        entry_hash = serializers.CharField()

    id = serializers.IntegerField()
    decision = serializers.ChoiceField(Decision.choices)
    comment = serializers.CharField()
    sha256 = serializers.CharField(help_text="The SHA-256 of the bytes decided on.")
    decided_by = ApprovalPerson()
    signed_in_by = serializers.ChoiceField(
        SignInMethod.choices, help_text="How the decider had signed in."
    )
    ip_address = serializers.IPAddressField(allow_null=True)
    user_agent = serializers.CharField()
    decided_at = serializers.DateTimeField()
    activity_entry = Entry(help_text="The decision's entry in the hash-chained activity log.")


class ApprovalOutput(serializers.Serializer):
    class Company(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()

    class Subject(serializers.Serializer):
        type = serializers.SerializerMethodField()
        document_id = serializers.IntegerField(source="version.document_id", allow_null=True)
        document = serializers.CharField(source="version.document.name", allow_null=True)
        version_id = serializers.IntegerField(allow_null=True)
        version = serializers.IntegerField(
            source="version.number", allow_null=True, help_text="The version number."
        )
        invoice_id = serializers.IntegerField(allow_null=True)
        invoice_number = serializers.CharField(source="invoice.number", allow_null=True)
        file_name = serializers.CharField(source="subject_file.name")
        size = serializers.IntegerField(source="subject_file.size")

        def get_type(self, approval) -> str:
            return "document_version" if approval.version_id else "invoice"

    class Approver(ApprovalPerson):
        decision = serializers.ChoiceField(
            Decision.choices, allow_null=True, help_text="Null until they decide."
        )

    class Links(serializers.Serializer):
        page = serializers.URLField()
        file = serializers.URLField(help_text="The file asked about.")
        record = serializers.URLField(help_text="The decision record, as JSON.")
        certificate = serializers.URLField(help_text="The decision record, as a PDF.")

    id = serializers.IntegerField()
    title = serializers.CharField()
    message = serializers.CharField()
    status = serializers.ChoiceField(ApprovalStatus.choices)
    company = Company()
    subject = Subject(source="*")
    sha256 = serializers.CharField(help_text="The SHA-256 asked about, fixed when asked.")
    due_date = serializers.DateField(allow_null=True)
    is_overdue = serializers.BooleanField()
    requested_by = ApprovalPerson()
    created_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(
        allow_null=True, help_text="When it was decided, superseded or cancelled."
    )
    replaces = serializers.IntegerField(
        source="replaces_id", allow_null=True, help_text="The approval this one asks again after."
    )
    approvers = serializers.SerializerMethodField()
    waiting_on_me = serializers.BooleanField(
        help_text="Pending, asks the caller, and the caller has not decided."
    )
    decisions = DecisionOutput(many=True, source="decisions.all")
    preview = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    @extend_schema_field(PreviewOutput)
    def get_preview(self, approval) -> dict:
        absolute = self.context["request"].build_absolute_uri

        def page_url(page):
            return absolute(reverse("api-approval-preview-page", args=[approval.pk, page]))

        return PreviewOutput(approval_preview(approval, page_url=page_url, with_text=False)).data

    @extend_schema_field(Approver(many=True))
    def get_approvers(self, approval) -> list:
        decided = {
            decision.decided_by_id: decision.decision for decision in approval.decisions.all()
        }
        return [
            {**ApprovalPerson(link.user).data, "decision": decided.get(link.user_id)}
            for link in approval.approver_links.all()
        ]

    @extend_schema_field(Links)
    def get_links(self, approval) -> dict:
        absolute = self.context["request"].build_absolute_uri
        return {
            "page": absolute(reverse("approvals:detail", args=[approval.pk])),
            **{
                key: absolute(reverse(f"api-approval-{key}", args=[approval.pk]))
                for key in ("file", "record", "certificate")
            },
        }


FILTER_PARAMETERS = [
    OpenApiParameter(
        "status",
        OpenApiTypes.STR,
        enum=[value for value, _ in STATUS_FILTERS],
        description="`overdue`: pending past the due date; `completed`: approved or changes "
        "requested.",
    ),
    OpenApiParameter("company", OpenApiTypes.INT, description="A client company id (team)."),
    OpenApiParameter(
        "waiting_on_me",
        OpenApiTypes.BOOL,
        description="Client people: only pending approvals waiting on the caller's decision.",
    ),
]


def _approval_output(view, approval) -> dict:
    return ApprovalOutput(approval, context={"request": view.request}).data


class ApprovalsApi(ListAPIView):
    permission_classes = [Allowed.to("workspace.use")]
    pagination_class = NewestFirst
    parser_classes = [JSONParser]
    serializer_class = ApprovalOutput

    class Input(serializers.Serializer):
        version = serializers.IntegerField(
            required=False, help_text="A document version id: ask about its exact bytes."
        )
        invoice = serializers.IntegerField(
            required=False, help_text="Or an invoice id: ask about its PDF."
        )
        approvers = serializers.ListField(
            child=serializers.IntegerField(),
            min_length=1,
            max_length=50,
            help_text="User ids of the client company's approvers or client admins.",
        )
        title = serializers.CharField(max_length=200)
        message = serializers.CharField(
            max_length=TEXT_MAX_LENGTH, required=False, allow_blank=True, default=""
        )
        due_date = serializers.DateField(required=False, allow_null=True, default=None)

        def validate(self, data):
            actor = self.context["actor"]
            if ("version" in data) == ("invoice" in data):
                raise serializers.ValidationError(
                    {"version": ["Give either a document version or an invoice."]}
                )
            if "version" in data:
                data["version"] = version_for(actor, data["version"])
                if data["version"] is None:
                    raise serializers.ValidationError({"version": ["There is no such version."]})
                data["company"] = data["version"].document.company
            else:
                data["invoice"] = invoice_for(actor, data["invoice"])
                if data["invoice"] is None:
                    raise serializers.ValidationError({"invoice": ["There is no such invoice."]})
                data["company"] = data["invoice"].company
            people = User.objects.in_bulk(data["approvers"])
            unknown = [str(pk) for pk in data["approvers"] if pk not in people]
            if unknown:
                raise serializers.ValidationError(
                    {"approvers": [f"There is no person with id {', '.join(unknown)}."]}
                )
            data["approvers"] = [people[pk] for pk in data["approvers"]]
            return data

    def get_queryset(self):
        actor = actor_for(self.request)
        form = ApprovalFilterForm(self.request.query_params, actor=actor)
        if not form.is_valid():
            raise serializers.ValidationError(
                {
                    field: [error["message"] for error in errors]
                    for field, errors in form.errors.get_json_data().items()
                }
            )
        return _approvals(actor, form.apply(visible_approvals(actor)))

    @extend_schema(
        summary="Approvals the caller can see",
        description="The team sees its clients' approvals; client people their company's (an "
        "invoice's only if they see invoices or were asked).",
        parameters=FILTER_PARAMETERS,
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: ApprovalOutput},
        summary="Request an approval (team)",
        description="Ask client approvers or client admins of the subject's company to approve "
        "a document version (not an internal one) or an invoice; its SHA-256 is fixed now and "
        "each approver is emailed. A pending request on the same subject, someone who may not "
        "approve, or a past due date is a 400 naming the field.",
    )
    def post(self, request):
        actor = actor_for(request)
        require(actor, "approvals.request", request=request)
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        require(actor, "approvals.request", data["company"], request=request)
        approval = actions.approval_request(
            company=data["company"],
            actor=actor.user,
            approvers=data["approvers"],
            version=data.get("version"),
            invoice=data.get("invoice"),
            title=data["title"],
            message=data["message"],
            due_date=data["due_date"],
            request=request,
        )
        return Response(
            _approval_output(self, self.get_queryset().get(pk=approval.pk)),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-approval", args=(approval.pk,))},
        )


class ApprovalApi(OneApproval, APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(responses=ApprovalOutput, summary="One approval, with its decisions")
    def get(self, request, approval_id):
        return Response(_approval_output(self, self.approval()))


class ApprovalDecisionsApi(OneApproval, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        decision = serializers.ChoiceField(Decision.choices)
        comment = serializers.CharField(
            max_length=TEXT_MAX_LENGTH,
            required=False,
            allow_blank=True,
            default="",
            help_text="Required when requesting changes.",
        )

    @extend_schema(responses=DecisionOutput(many=True), summary="An approval's decision records")
    def get(self, request, approval_id):
        return Response(DecisionOutput(self.approval().decisions.all(), many=True).data)

    @extend_schema(
        request=Input,
        responses={201: DecisionOutput},
        summary="Decide (a named approver)",
        description="Approve or request changes, once. The record binds to the SHA-256 asked "
        "about and holds how the decider signed in (here: API token), the time, IP and user "
        "agent; it is written to the activity log. A second decision, a superseded or "
        "completed approval, or changes requested without a comment is a 400.",
    )
    def post(self, request, approval_id):
        approval = self.approval()
        require(self.actor, "approval.decide", approval, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        decision = actions.approval_decide(
            approval=approval,
            actor=self.actor.user,
            decision=form.validated_data["decision"],
            comment=form.validated_data["comment"],
            request=request,
        )
        return Response(DecisionOutput(decision).data, status=status.HTTP_201_CREATED)


class ApprovalRerequestApi(OneApproval, APIView):
    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        due_date = serializers.DateField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Optional; the old one is kept unless it has passed.",
        )

    @extend_schema(
        request=Input,
        responses={201: ApprovalOutput},
        summary="Ask again (team)",
        description="After a supersede, changes requested or a cancel: ask the same people "
        "(those who still may) about the document's current version, or the invoice.",
    )
    def post(self, request, approval_id):
        approval = self.approval()
        require(self.actor, "approval.manage", approval, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        again = actions.approval_rerequest(
            approval=approval,
            actor=self.actor.user,
            due_date=form.validated_data["due_date"],
            request=request,
        )
        return Response(
            _approval_output(self, _approvals(self.actor).get(pk=again.pk)),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-approval", args=(again.pk,))},
        )


class ApprovalCancelApi(OneApproval, APIView):
    permission_classes = [Allowed.to("workspace.use")]

    @extend_schema(
        request=None,
        responses=ApprovalOutput,
        summary="Cancel a pending approval (team)",
        description="Decisions already made stay on record. Not pending is a 400.",
    )
    def post(self, request, approval_id):
        approval = self.approval()
        require(self.actor, "approval.manage", approval, request=request)
        actions.approval_cancel(approval=approval, actor=self.actor.user, request=request)
        return Response(_approval_output(self, approval))


class FileAnswer(OneApproval, APIView):
    # The answer is a file whatever Accept says; refusals stay JSON.
    permission_classes = [Allowed.to("workspace.use")]

    def perform_content_negotiation(self, request, force=False):
        return super().perform_content_negotiation(request, force=True)


class ApprovalFileApi(FileAnswer):
    @extend_schema(
        responses=STORED_FILE,
        summary="Download the file asked about",
        description="Exactly the bytes whose SHA-256 was asked about, always as an attachment; "
        "404 once an invoice's PDF has been replaced.",
    )
    def get(self, request, approval_id):
        asked = self.approval().asked_file
        if asked is None:
            raise Http404("The file asked about has been replaced since.")
        return file_download_response(asked)


class ApprovalPreviewPageApi(FileAnswer):
    @extend_schema(
        responses={
            (200, "image/png"): OpenApiTypes.BINARY,
            404: OpenApiResponse(description="No such page, or no preview (yet)."),
        },
        summary="A page of the preview of the file asked about",
        description="A PNG of page `page` (from 1), as listed in the approval's "
        "`preview.pages`; to everyone who may download the file asked about.",
    )
    def get(self, request, approval_id, page):
        asked = self.approval().asked_file
        if asked is None:
            raise Http404("The file asked about has been replaced since.")
        return file_preview_page_response(asked, page)


class ApprovalRecordApi(FileAnswer):
    @extend_schema(
        responses={(200, "application/json"): OpenApiTypes.OBJECT},
        summary="The decision record, as JSON",
        description="The approval and the activity-log entries it rests on (the request's and "
        "each decision's, whose changes hold the decision), each with its id, chain position "
        "and entry hash, plus the anchor (the log's head at export). Check it with "
        "`manage.py verify_activity_log --record FILE`: an edited record no longer hashes.",
    )
    def get(self, request, approval_id):
        return record_response(self.approval(), as_pdf=False)


class ApprovalCertificateApi(FileAnswer):
    @extend_schema(
        responses={(200, "application/pdf"): OpenApiTypes.BINARY},
        summary="The decision record, as a PDF certificate",
        description="The same facts as record.json, with how to verify them.",
    )
    def get(self, request, approval_id):
        return record_response(self.approval(), as_pdf=True)
