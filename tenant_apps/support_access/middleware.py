"""Support sessions on an agency's host: the banner's record, their end, and what they may not do.

Place right after the authentication middleware. A browser without a support session pays
nothing; one with it pays one query (its record and grant) per request.
"""

from django.contrib import messages
from django.db import connection, transaction
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django_tenants.utils import get_public_schema_name

from operators.impersonation import EndedHow, impersonation_end, session_end_reason
from operators.models import ImpersonationSession
from tenant_apps.activity.actions import activity_record
from tenant_apps.support_access.audit import SupportAudit
from tenant_apps.support_access.session import SESSION_KEY, sign_out

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Never in a support session, whatever the method: passwords, two-factor, money, consent.
REFUSED = {
    "security:password_change",
    "security:two_factor_setup",
    "security:two_factor_disable",
    "security:recovery_codes",
    "billing:checkout",
    "billing:portal",
    "payments:connect",
    "payments:refresh",
    "payments:pay",
    "payments:refund",
    "api-account-password",
    "api-billing-checkout-session",
    "api-billing-portal-session",
    "api-payments-connect",
    "api-payments-account-refresh",
    "api-payment-refund",
    "api-support-grants",
    "api-support-grant-revoke",
    # A client's decision is their own signature: support may look, never decide for them.
    "approvals:decide",
    # A person's own data leaves the portal only in their own hands.
    "data_export:request",
    "data_export:archive",
    "data_export:download",
    "api-data-exports",
    "api-data-export-download",
}
# Read-only in a support session: the person's own account and security pages, the
# agency's sign-in rules, billing and payment settings, support access itself.
READ_ONLY_NAMESPACES = {"security", "billing", "payments", "support_access", "erasure"}
READ_ONLY = {
    "api-account-session",
    "api-account-sessions",
    "api-auth-logout-all",
    "api-billing",
    "api-payment-settings",
    "api-approval-decisions",
    # Nothing that outlasts the session: no new people or roles, no new webhook address or
    # secret, no new address for the portal.
    "people:team_invite",
    "people:company_invite",
    "people:team_role",
    "people:client_role",
    "api-invitations",
    "api-team",
    # Erasing a person cannot be undone: the agency's own people do it.
    "api-person-erase",
    "webhooks:list",
    "webhooks:detail",
    "webhooks:rotate",
    "api-webhooks",
    "api-webhook",
    "api-webhook-rotate-secret",
    "branding:domains",
    "branding:domain",
    "branding:domain_primary",
    "branding:domain_primary_reset",
    "api-domains",
    "api-domain",
    "api-domain-primary",
    # Nor closing the agency or setting what the nightly retention deletes.
    "api-billing-closure",
    "retention:settings",
    "api-retention",
}
# Ways out, which end the support session rather than the person's own sign-in.
SIGN_OUTS = {"accounts:logout", "api-auth-logout"}
ALLOWED = {"support_access:end"}

ENDED_MESSAGE = "The support session has ended: {how}."
REFUSED_MESSAGE = (
    "Not during a support session: passwords, two-factor authentication, billing, payments, "
    "approval decisions, exports of a person's own data, erasing people, invitations and roles, "
    "webhook and domain settings, and support access stay with the agency's own people."
)


def refused(name: str, method: str) -> bool:
    if name in ALLOWED:
        return False
    if name in REFUSED:
        return True
    if method in SAFE_METHODS:
        return False
    return name in READ_ONLY or name.split(":")[0] in READ_ONLY_NAMESPACES


def _view_name(request) -> str:
    try:
        return resolve(request.path_info).view_name
    except Resolver404:
        return ""


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


class SupportSessionMiddleware:
    """Right after the authentication middleware, before anything reads ``request.user``: a
    new password or a deactivation would otherwise drop the session (and the support session's
    id with it) before the end could be recorded. What needs the messages framework and the
    resolved view waits for ``process_view``, which runs after every middleware's first half.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if connection.schema_name == get_public_schema_name():
            return self.get_response(request)
        session_id = request.session.get(SESSION_KEY)
        if session_id is None:
            return self.get_response(request)
        support = (
            ImpersonationSession.objects.select_related("grant")
            .filter(pk=session_id, agency_id=connection.tenant.pk)
            .first()
        )
        how = session_end_reason(support) if support is not None else EndedHow.OPERATOR
        if how is None and request.user.pk != support.target_user_id:
            how = EndedHow.PERSON_CHANGED
        if how is None and _view_name(request) in SIGN_OUTS:
            how = EndedHow.SIGNED_OUT
        if how is None:
            request.support_session = support
        else:
            if support is not None:
                impersonation_end(session=support, how=how, request=request)
            sign_out(request)
            request.support_session_ended = how
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        ended = getattr(request, "support_session_ended", None)
        if ended is not None:
            return self._ended(request, ended)
        support = getattr(request, "support_session", None)
        if support is not None and refused(request.resolver_match.view_name, request.method):
            return self._refuse(request, support, request.resolver_match.view_name)
        return None

    @staticmethod
    def _ended(request, how):
        text = ENDED_MESSAGE.format(how=EndedHow.WORDS[how])
        if _is_api(request):
            return JsonResponse({"detail": text, "code": "support_session_ended"}, status=401)
        messages.info(request, text)
        return redirect("accounts:login")

    @staticmethod
    def _refuse(request, support, name):
        with transaction.atomic():
            activity_record(
                action=SupportAudit.SUPPORT_SESSION_REFUSED,
                actor=request.user,
                target=request.user,
                changes={
                    "operator": support.operator_label,
                    "session": support.pk,
                    "page": f"{request.method} {request.path}",
                },
                request=request,
            )
        if _is_api(request):
            body = {"detail": REFUSED_MESSAGE, "code": "support_session_forbidden"}
            return JsonResponse(body, status=403)
        return render(request, "support_access/refused.html", {"name": name}, status=403)
