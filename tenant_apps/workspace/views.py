from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.inbox.selectors import home_inbox
from tenant_apps.people.models import ClientRole, TeamRole
from tenant_apps.people.policy import actor_for, permission_required


@permission_required("workspace.use")
def home(request):
    # Waiting on you (client people) or Next actions (the team).
    return render(request, "workspace/home.html", home_inbox(actor_for(request)))


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
