"""The brand over /api/v1/brand, for owners. Policy decides; tenant_apps.brand_settings.actions
writes; serializers only validate and shape."""

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from branding.colours import validate_contrast
from branding.images import images_chosen, prepare_image
from branding.models import Brand, ImageKind
from branding.selectors import BRAND_TEXT_FIELDS, brand_for
from shared_apps.core.regional import locale_choices, time_zone_choices
from shared_apps.core.text import FormParser, JSONParser, MultiPartParser
from tenant_apps.brand_settings.actions import brand_update, regional_update
from tenant_apps.kit.access import Allowed


class BrandApi(APIView):
    permission_classes = [Allowed.to("brand.manage")]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    class Input(serializers.ModelSerializer):
        logo = serializers.FileField(
            required=False, help_text="PNG, JPEG, WebP or GIF up to 5 MB (multipart only)."
        )
        favicon = serializers.FileField(
            required=False, help_text="A square image, at least 16 x 16 pixels (multipart)."
        )
        remove_logo = serializers.BooleanField(required=False, default=False)
        remove_favicon = serializers.BooleanField(required=False, default=False)

        class Meta:
            model = Brand
            fields = [*BRAND_TEXT_FIELDS, "logo", "favicon", "remove_logo", "remove_favicon"]
            extra_kwargs = {name: {"required": False} for name in BRAND_TEXT_FIELDS}

        def _image(self, upload, kind):
            try:
                return prepare_image(upload, kind)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.messages) from None

        def validate_logo(self, upload):
            return self._image(upload, ImageKind.LOGO)

        def validate_favicon(self, upload):
            return self._image(upload, ImageKind.FAVICON)

        def validate(self, data):
            brand = self.instance
            colours = {
                name: data.get(name, getattr(brand, name)).lower()
                for name in ("primary_colour", "accent_colour")
            }
            try:
                validate_contrast(colours)
            except DjangoValidationError as error:
                raise serializers.ValidationError(error.message_dict) from None
            return data | {name: value for name, value in colours.items() if name in data}

    class Output(serializers.Serializer):
        portal_name = serializers.CharField()
        primary_colour = serializers.CharField()
        accent_colour = serializers.CharField()
        login_headline = serializers.CharField(
            help_text="As set; empty means “Sign in to” and the portal name."
        )
        headline = serializers.CharField(help_text="The sign-in page's heading as shown.")
        welcome_text = serializers.CharField()
        email_sender_name = serializers.CharField()
        email_reply_to = serializers.CharField()
        client_word = serializers.CharField()
        clients_word = serializers.CharField()
        request_word = serializers.CharField()
        requests_word = serializers.CharField()
        logo_url = serializers.SerializerMethodField()
        favicon_url = serializers.SerializerMethodField()

        @extend_schema_field(serializers.URLField(allow_null=True))
        def get_logo_url(self, brand) -> str | None:
            return self._absolute(brand.logo_url)

        @extend_schema_field(serializers.URLField(allow_null=True))
        def get_favicon_url(self, brand) -> str | None:
            return self._absolute(brand.favicon_url)

        def _absolute(self, path: str) -> str | None:
            return self.context["request"].build_absolute_uri(path) if path else None

    def _output(self, request) -> dict:
        return self.Output(brand_for(request.tenant), context={"request": request}).data

    @extend_schema(responses=Output, summary="The portal's brand (owners)")
    def get(self, request):
        return Response(self._output(request))

    @extend_schema(
        request={"application/json": Input, "multipart/form-data": Input},
        responses=Output,
        summary="Change the brand (owners)",
        description="Any subset of the fields; all or nothing. Colours too faint to read "
        "against white are a 400 giving the contrast ratio. Images need multipart/form-data; "
        "SVG is refused.",
    )
    def patch(self, request):
        brand = Brand.objects.get(agency_id=request.tenant.pk)
        form = self.Input(brand, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        brand_update(
            agency=request.tenant,
            actor=request.user,
            changes={name: data[name] for name in BRAND_TEXT_FIELDS if name in data},
            images=images_chosen(data),
            request=request,
        )
        return Response(self._output(request))


class RegionalApi(APIView):
    """The agency's default time zone and locale, for owners and admins."""

    permission_classes = [Allowed.to("regional.manage")]

    class Input(serializers.Serializer):
        time_zone = serializers.ChoiceField(
            choices=time_zone_choices(),
            required=False,
            help_text="An IANA zone, e.g. Europe/Paris.",
        )
        locale = serializers.ChoiceField(
            choices=locale_choices(),
            required=False,
            help_text="How dates and money are written: one of SUPPORTED_LOCALES, e.g. en-GB.",
        )

    class Output(serializers.Serializer):
        time_zone = serializers.CharField()
        locale = serializers.CharField()

    @extend_schema(responses=Output, summary="The agency's time zone and locale")
    def get(self, request):
        return Response(self.Output(request.tenant).data)

    @extend_schema(
        request=Input,
        responses=Output,
        summary="Change the agency's time zone or locale",
        description="Either or both; a zone or locale not on the lists is a 400 naming it. "
        "People who chose their own keep it.",
    )
    def patch(self, request):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        agency = request.tenant
        current = {"time_zone": agency.time_zone, "locale": agency.locale}
        regional_update(
            agency=agency, actor=request.user, request=request, **current | form.validated_data
        )
        return Response(self.Output(agency).data)
