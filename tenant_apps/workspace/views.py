from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.people.models import TeamMember


@login_required
def home(request):
    member = TeamMember.objects.filter(user=request.user).first()
    return render(request, "workspace/home.html", {"member": member})


class MeApi(APIView):
    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        email = serializers.EmailField()
        full_name = serializers.CharField()
        team_role = serializers.CharField(allow_null=True)
        agency = serializers.CharField()

    @extend_schema(responses=Output, summary="The signed-in person")
    def get(self, request):
        member = TeamMember.objects.filter(user=request.user).first()
        data = {
            "id": request.user.pk,
            "email": request.user.email,
            "full_name": request.user.full_name,
            "team_role": member.role if member else None,
            "agency": request.tenant.name,
        }
        return Response(self.Output(data).data)
