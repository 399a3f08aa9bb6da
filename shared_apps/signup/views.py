from django.db import IntegrityError
from django.shortcuts import redirect, render
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from shared_apps.core.regional import locale_choices, time_zone_choices
from shared_apps.signup.actions import agency_signup_from
from shared_apps.signup.forms import SignupForm
from shared_apps.signup.handoff import handoff_url
from shared_apps.signup.validation import password_errors, validate_subdomain_available
from tenants.middleware import agency_url

TAKEN = "That subdomain is taken; choose another."


def signup_page(request):
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            signup = agency_signup_from(data, request=request)
        except IntegrityError:  # lost a race for the same subdomain
            form.add_error("subdomain", TAKEN)
        else:
            return redirect(handoff_url(agency=signup.agency, user=signup.owner))
    return render(request, "signup/signup.html", {"form": form})


class SignupApi(APIView):
    authentication_classes = []
    permission_classes = [AllowAny]

    class Input(serializers.Serializer):
        agency_name = serializers.CharField(max_length=120)
        subdomain = serializers.CharField(max_length=40, validators=[validate_subdomain_available])
        owner_name = serializers.CharField(max_length=150)
        owner_email = serializers.EmailField()
        password = serializers.CharField(write_only=True, trim_whitespace=False)
        time_zone = serializers.ChoiceField(
            choices=time_zone_choices(),
            required=False,
            help_text="The agency's default time zone (IANA); UTC if left out.",
        )
        locale = serializers.ChoiceField(
            choices=locale_choices(),
            required=False,
            help_text="How the agency writes dates and money, e.g. en-GB (the default).",
        )

        def validate_owner_email(self, value):
            return value.lower()

        def validate_password(self, value):
            # Checked on its own so its errors show beside the other fields' errors.
            errors = password_errors(
                password=value,
                email=str(self.initial_data.get("owner_email", "")),
                full_name=str(self.initial_data.get("owner_name", "")),
            )
            if errors:
                raise serializers.ValidationError(errors)
            return value

    class Output(serializers.Serializer):
        agency = serializers.CharField()
        subdomain = serializers.CharField()
        workspace_url = serializers.URLField()
        login_url = serializers.URLField(help_text="Single-use sign-in link, valid 2 minutes.")

    @extend_schema(request=Input, responses={201: Output}, summary="Sign up a new agency")
    def post(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            signup = agency_signup_from(data, request=request)
        except IntegrityError:
            return Response({"subdomain": [TAKEN]}, status=status.HTTP_400_BAD_REQUEST)
        output = {
            "agency": signup.agency.name,
            "subdomain": signup.agency.subdomain,
            "workspace_url": agency_url(signup.agency.subdomain),
            "login_url": handoff_url(agency=signup.agency, user=signup.owner),
        }
        return Response(self.Output(output).data, status=status.HTTP_201_CREATED)
