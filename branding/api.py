"""The brand and the custom domains over /api/v1/, for owners. Policy decides; branding.actions
and tenants.domains write; serializers only validate and shape.

Another agency's domain is a 404, like one that does not exist.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.views import APIView

from branding.actions import brand_update
from branding.colours import validate_contrast
from branding.images import images_chosen, prepare_image
from branding.models import Brand, ImageKind
from branding.selectors import BRAND_TEXT_FIELDS, brand_for
from shared_apps.core.text import FormParser, JSONParser, MultiPartParser
from tenant_apps.people.policy import Allowed
from tenants import domains
from tenants.dns_check import expected_records
from tenants.models import CustomDomain, DomainStatus


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


class DnsRecordOutput(serializers.Serializer):
    type = serializers.CharField()
    host = serializers.CharField()
    value = serializers.CharField()


class DomainOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    status = serializers.ChoiceField(DomainStatus.choices, help_text="pending, failed or verified")
    checking = serializers.BooleanField(
        source="is_checking", help_text="A DNS check is queued and has not reported yet."
    )
    is_primary = serializers.BooleanField(
        help_text="The portal's main address: its other addresses redirect here."
    )
    failure = serializers.CharField(help_text="Why the last check failed, in words.")
    dns_records = serializers.SerializerMethodField()
    checked_at = serializers.DateTimeField(allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    @extend_schema_field(DnsRecordOutput(many=True))
    def get_dns_records(self, domain) -> list:
        return DnsRecordOutput(expected_records(domain.name, domain.token), many=True).data


class OldestFirst(CursorPagination):
    ordering = "id"


class OwnDomains:
    # The current agency's domains, with is_primary; one of them by id, or a 404.

    def domains(self):
        return CustomDomain.objects.filter(agency_id=self.request.tenant.pk).with_primary()

    def domain(self) -> CustomDomain:
        return get_object_or_404(self.domains(), pk=self.kwargs["domain_id"])

    def fresh(self, domain: CustomDomain) -> dict:
        return DomainOutput(self.domains().get(pk=domain.pk)).data


class DomainsApi(OwnDomains, ListAPIView):
    permission_classes = [Allowed.to("domains.manage")]
    unkeyed_field = "name"  # refusals naming no field (kit.api_errors)
    pagination_class = OldestFirst
    serializer_class = DomainOutput

    class Input(serializers.Serializer):
        name = serializers.CharField(
            max_length=300, help_text="A domain you control, such as portal.acme.com."
        )

    def get_queryset(self):
        return self.domains()

    @extend_schema(summary="The portal's own domains, with the DNS records each needs")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=Input,
        responses={201: DomainOutput},
        summary="Add a domain",
        description="Refused (400, on `name`) for a malformed name, an IP address, the "
        "platform's own domain or its subdomains, and a domain another portal verified. "
        "A DNS check is queued at once.",
    )
    def post(self, request, *args, **kwargs):
        form = self.Input(data=request.data)
        form.is_valid(raise_exception=True)
        domain = domains.domain_add(
            agency=request.tenant,
            name=form.validated_data["name"],
            actor=request.user,
            request=request,
        )
        return Response(self.fresh(domain), status=status.HTTP_201_CREATED)


class DomainApi(OwnDomains, APIView):
    permission_classes = [Allowed.to("domains.manage")]

    @extend_schema(responses=DomainOutput, summary="One domain")
    def get(self, request, domain_id):
        return Response(DomainOutput(self.domain()).data)

    @extend_schema(
        responses={204: OpenApiResponse(description="Removed")},
        summary="Remove a domain",
        description="The portal stops answering there; if it was the main address, the "
        "platform subdomain is again.",
    )
    def delete(self, request, domain_id):
        domains.domain_remove(domain=self.domain(), actor=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DomainVerifyApi(OwnDomains, APIView):
    permission_classes = [Allowed.to("domains.manage")]

    @extend_schema(
        request=None,
        responses={202: DomainOutput, 200: DomainOutput},
        summary="Check a domain's DNS now",
        description="Queues a check (202); poll the domain until `checking` is false. A "
        "verified domain needs none (200).",
    )
    def post(self, request, domain_id):
        domain = self.domain()
        queued = domains.domain_check_request(domain=domain)
        return Response(
            self.fresh(domain), status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK
        )


class DomainPrimaryApi(OwnDomains, APIView):
    permission_classes = [Allowed.to("domains.manage")]
    unkeyed_field = "domain"  # refusals naming no field (kit.api_errors)

    @extend_schema(
        request=None,
        responses=DomainOutput,
        summary="Make a verified domain the main address",
        description="Requests to the portal's other addresses then redirect here (308). "
        "An unverified domain is a 400.",
    )
    def post(self, request, domain_id):
        domain = self.domain()
        domains.domain_make_primary(domain=domain, actor=request.user, request=request)
        return Response(self.fresh(domain))

    @extend_schema(
        responses=DomainOutput,
        summary="Stop using a domain as the main address",
        description="The platform subdomain becomes the main address again; the domain "
        "still answers. Nothing changes if the domain was not the main address.",
    )
    def delete(self, request, domain_id):
        domain = self.domain()
        if domain.is_primary:
            domains.domain_primary_reset(agency=request.tenant, actor=request.user, request=request)
        return Response(self.fresh(domain))
