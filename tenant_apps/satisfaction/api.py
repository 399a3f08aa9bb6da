"""A request's rating over /api/v1/: the client who asked reads and writes it, the team reads.

A request the caller cannot see is a 404; one whose rating they may not see, or rate, a 403.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.text import JSONParser
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.client_requests.selectors import visible_requests
from tenant_apps.kit.access import Allowed, actor_for, require
from tenant_apps.satisfaction.actions import rating_give
from tenant_apps.satisfaction.models import COMMENT_MAX_LENGTH, Score, Via
from tenant_apps.satisfaction.selectors import rating_state


class RatingApi(APIView):
    """The satisfaction rating (good, okay or bad, with an optional comment) of a request."""

    permission_classes = [Allowed.to("workspace.use")]
    parser_classes = [JSONParser]

    class Input(serializers.Serializer):
        score = serializers.ChoiceField(Score.choices)
        comment = serializers.CharField(
            required=False,
            allow_blank=True,
            max_length=COMMENT_MAX_LENGTH,
            help_text="Left out: the comment stays as it is; empty: removed.",
        )

    class Output(serializers.Serializer):
        request = serializers.IntegerField(source="request_id")
        score = serializers.ChoiceField(Score.choices, allow_null=True)
        comment = serializers.CharField()
        first_answered_at = serializers.DateTimeField(allow_null=True)
        answered_at = serializers.DateTimeField(allow_null=True)
        changeable_until = serializers.DateTimeField(
            allow_null=True, help_text="After this the rating is final."
        )
        can_rate = serializers.BooleanField(
            help_text="Whether the caller may give or change the rating now."
        )

    def _request(self) -> ClientRequest:
        actor = actor_for(self.request)
        client_request = get_object_or_404(visible_requests(actor), pk=self.kwargs["request_id"])
        require(actor, "request.rating_view", client_request, request=self.request)
        return client_request

    def _output(self, client_request) -> dict:
        state = rating_state(actor_for(self.request), client_request)
        rating = state["rating"]
        return self.Output(
            {
                "request_id": client_request.pk,
                "score": rating.score if rating else None,
                "comment": rating.comment if rating else "",
                "first_answered_at": rating.first_answered_at if rating else None,
                "answered_at": rating.answered_at if rating else None,
                "changeable_until": rating.changeable_until if rating else None,
                "can_rate": state["can_rate"],
            }
        ).data

    @extend_schema(responses=Output, summary="A request's rating")
    def get(self, request, request_id):
        return Response(self._output(self._request()))

    @extend_schema(
        request=Input,
        responses=Output,
        summary="Rate a request (the client who asked)",
        description="Give or change the rating of a resolved request. Only the client who "
        "asked may; the team cannot rate on a client's behalf (403). It can be changed for 7 "
        "days after the first answer, then it is final (400 naming `score`), as is a request "
        "not yet resolved.",
    )
    def put(self, request, request_id):
        actor = actor_for(request)
        client_request = self._request()
        require(actor, "request.rate", client_request, request=request)
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        options = {"comment": data["comment"]} if "comment" in data else {}
        rating_give(
            client_request=client_request,
            actor=actor.user,
            score=data["score"],
            via=Via.API,
            request=request,
            **options,
        )
        return Response(self._output(client_request))
