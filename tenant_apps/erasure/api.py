"""Erasing a person over /api/v1/: the same rule and action as the page."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.erasure.actions import person_erase
from tenant_apps.erasure.forms import NAME_MISMATCH, name_matches
from tenant_apps.erasure.selectors import people_visible
from tenant_apps.kit.access import Allowed, actor_for, require


class PersonEraseApi(APIView):
    permission_classes = [Allowed.to("workspace.use")]

    class Input(serializers.Serializer):
        confirm_name = serializers.CharField(
            max_length=150, help_text="The person's full name, as a confirmation."
        )

        def validate_confirm_name(self, value):
            if not name_matches(value, self.context["person"]):
                raise serializers.ValidationError(NAME_MISMATCH)
            return value

    class Output(serializers.Serializer):
        id = serializers.IntegerField()
        tombstone = serializers.CharField(
            source="full_name", help_text="What the person is called from now on."
        )

    @extend_schema(
        request=Input,
        responses={200: Output},
        summary="Erase a person",
        description="Owners erase anyone of the agency, client admins the people of their own "
        "company; nobody themselves. Their personal data is removed or replaced by a tombstone "
        '("Former client 17"); what others need (requests, messages, decisions, files) stays, '
        "naming the tombstone. Cannot be undone.",
    )
    def post(self, request, user_id):
        actor = actor_for(request)
        person = get_object_or_404(people_visible(actor), pk=user_id)
        require(actor, "person.erase", person, request=request)
        form = self.Input(data=request.data, context={"person": person})
        form.is_valid(raise_exception=True)
        erased = person_erase(person=person, actor=actor.user, request=request)
        return Response(self.Output(erased).data)
