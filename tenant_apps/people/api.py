"""The team and client directory over /api/v1/. Policy decides; actions write; serializers
only validate and shape."""

from django.db import IntegrityError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.kit.api import NewestFirst, OldestFirst
from tenant_apps.kit.roles import ClientRole, TeamRole
from tenant_apps.people import actions, selectors
from tenant_apps.people.models import ClientCompany
from tenant_apps.people.selectors import visible_companies, visible_invitations
from tenant_apps.people.validation import (
    COMPANY_NAME_TAKEN,
    validate_company_name_available,
    validate_invitable_email,
)


class TeamApi(ListAPIView):
    permission_classes = [Allowed.to("team.view")]
    pagination_class = OldestFirst

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        user_id = serializers.IntegerField()
        email = serializers.EmailField(source="user.email")
        full_name = serializers.CharField(source="user.full_name")
        # Named as in /me and /invitations: one name per choice set across the API.
        team_role = serializers.ChoiceField(TeamRole.choices, source="role")
        sees_all_clients = serializers.BooleanField(
            help_text="Staff with this off see only their assigned companies."
        )
        assigned_company_ids = serializers.ListField(child=serializers.IntegerField())
        joined_at = serializers.DateTimeField()

    serializer_class = Output

    def get_queryset(self):
        return selectors.team_members()

    @extend_schema(summary="The agency's team")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class ClientsApi(ListAPIView):
    permission_classes = [Allowed.to("clients.view")]
    pagination_class = OldestFirst

    class Input(serializers.Serializer):
        name = serializers.CharField(max_length=150, validators=[validate_company_name_available])

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        name = serializers.CharField()
        people_count = serializers.IntegerField()
        created_at = serializers.DateTimeField()

    serializer_class = Output

    def get_queryset(self):
        return selectors.companies_with_people_count(visible_companies(actor_for(self.request)))

    @extend_schema(summary="Client companies the caller can see")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=Input, responses={201: Output}, summary="Add a client company")
    def post(self, request):
        actor = actor_for(request)
        require(actor, "clients.manage", request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            company = actions.client_company_create(
                name=form.validated_data["name"], actor=actor.user, request=request
            )
        except IntegrityError:  # created by someone else since validation
            return Response({"name": [COMPANY_NAME_TAKEN]}, status=status.HTTP_400_BAD_REQUEST)
        company.people_count = 0
        return Response(self.Output(company).data, status=status.HTTP_201_CREATED)


class ClientPeopleApi(ListAPIView):
    permission_classes = [Allowed.to("clients.view")]
    pagination_class = OldestFirst

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        user_id = serializers.IntegerField()
        email = serializers.EmailField(source="user.email")
        full_name = serializers.CharField(source="user.full_name")
        client_role = serializers.ChoiceField(ClientRole.choices, source="role")
        joined_at = serializers.DateTimeField()

    serializer_class = Output

    def get_queryset(self):
        # A company the caller cannot see answers 404, like one that does not exist.
        companies = visible_companies(actor_for(self.request))
        company = get_object_or_404(companies, pk=self.kwargs["company_id"])
        return selectors.company_people(company)

    @extend_schema(summary="People of a client company, with their roles")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class VisibleCompanyField(serializers.PrimaryKeyRelatedField):
    """A company id, resolved among those the caller can see; others are 'does not exist'."""

    def get_queryset(self):
        return visible_companies(self.context["actor"])


class InvitationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()
    team_role = serializers.CharField(help_text="Set for team invitations, else empty.")
    company_id = serializers.IntegerField(allow_null=True)
    client_role = serializers.CharField(help_text="Set for client invitations, else empty.")
    role_label = serializers.CharField()
    status = serializers.ChoiceField(["pending", "accepted", "revoked", "expired"])
    invited_by = serializers.EmailField(source="invited_by.email")
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    accepted_at = serializers.DateTimeField(allow_null=True)
    revoked_at = serializers.DateTimeField(allow_null=True)


class InvitationsApi(ListAPIView):
    permission_classes = [Allowed.to("invitations.view")]
    pagination_class = NewestFirst

    class Input(serializers.Serializer):
        email = serializers.EmailField(validators=[validate_invitable_email])
        full_name = serializers.CharField(
            max_length=150, required=False, allow_blank=True, default=""
        )
        team_role = serializers.ChoiceField(TeamRole.choices, required=False)
        company = VisibleCompanyField(queryset=ClientCompany.objects.all(), required=False)
        client_role = serializers.ChoiceField(ClientRole.choices, required=False)

        def validate_email(self, value):
            return value.lower()

        def validate(self, data):
            if "team_role" in data:
                if "company" in data or "client_role" in data:
                    raise serializers.ValidationError(
                        "Invite either to the team (team_role) or to a client company "
                        "(company and client_role), not both."
                    )
                return data
            missing = {
                name: ["This field is required."]
                for name in ("company", "client_role")
                if name not in data
            }
            if missing:
                raise serializers.ValidationError(missing)
            return data

    Output = InvitationOutput
    serializer_class = Output

    def get_queryset(self):
        return selectors.invitations_listed(visible_invitations(actor_for(self.request)))

    @extend_schema(summary="Invitations the caller may see, newest first")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: Output},
        summary="Invite someone to the team or to a client company",
        description="Give team_role, or company and client_role. The invitation is emailed.",
    )
    def post(self, request):
        actor = actor_for(request)
        form = self.Input(data=request.data, context={"actor": actor})
        form.is_valid(raise_exception=True)
        data = form.validated_data
        if "team_role" in data:
            require(actor, "team.invite", data["team_role"], request=request)
        else:
            require(actor, "company.manage_people", data["company"], request=request)
        new = actions.invitation_create(
            email=data["email"],
            full_name=data["full_name"],
            team_role=data.get("team_role", ""),
            company=data.get("company"),
            client_role=data.get("client_role", ""),
            actor=actor.user,
            request=request,
        )
        return Response(self.Output(new.invitation).data, status=status.HTTP_201_CREATED)


class InvitationRevokeApi(APIView):
    permission_classes = [Allowed.to("invitations.view")]

    @extend_schema(
        request=None,
        responses={
            200: InvitationOutput,
            409: OpenApiResponse(description="Already accepted, revoked or expired."),
        },
        summary="Revoke a pending invitation",
    )
    def post(self, request, invitation_id):
        actor = actor_for(request)
        invitations = selectors.invitations_listed(visible_invitations(actor))
        invitation = get_object_or_404(invitations, pk=invitation_id)
        require(actor, "invitations.revoke", invitation, request=request)
        try:
            actions.invitation_revoke(invitation=invitation, actor=actor.user, request=request)
        except actions.InvitationRefused as refused:
            return Response(
                {"detail": refused.message, "code": refused.reason}, status=status.HTTP_409_CONFLICT
            )
        invitation.refresh_from_db(fields=["revoked_at"])
        return Response(InvitationOutput(invitation).data)
