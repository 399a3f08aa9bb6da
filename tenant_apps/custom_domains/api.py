"""The agency's own domains over /api/v1/domains, for owners. Policy decides;
tenant_apps.custom_domains.actions writes; serializers only validate and shape.

Another agency's domain is a 404, like one that does not exist.
"""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from tenant_apps.custom_domains import actions
from tenant_apps.custom_domains.dns_check import expected_records
from tenant_apps.kit.access import Allowed
from tenant_apps.kit.api import OldestFirst
from tenants.models import CustomDomain, DomainStatus


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
    unkeyed_field = "name"  # refusals naming no field (shared_apps.core.api_errors)
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
        domain = actions.domain_add(
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
        actions.domain_remove(domain=self.domain(), actor=request.user, request=request)
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
        queued = actions.domain_check_request(domain=domain)
        return Response(
            self.fresh(domain), status=status.HTTP_202_ACCEPTED if queued else status.HTTP_200_OK
        )


class DomainPrimaryApi(OwnDomains, APIView):
    permission_classes = [Allowed.to("domains.manage")]
    unkeyed_field = "domain"  # refusals naming no field (shared_apps.core.api_errors)

    @extend_schema(
        request=None,
        responses=DomainOutput,
        summary="Make a verified domain the main address",
        description="Requests to the portal's other addresses then redirect here (308). "
        "An unverified domain is a 400.",
    )
    def post(self, request, domain_id):
        domain = self.domain()
        actions.domain_make_primary(domain=domain, actor=request.user, request=request)
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
            actions.domain_primary_reset(agency=request.tenant, actor=request.user, request=request)
        return Response(self.fresh(domain))
