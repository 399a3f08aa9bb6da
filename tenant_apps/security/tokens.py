"""JWTs bound to the agency that issued them and to the person's security stamp.

User ids repeat across schemas, so stock simplejwt would map agency A's token
for user 7 to agency B's user 7 (django-tenants#983, simplejwt#758). Every
token here carries the issuing schema in a claim; a token whose claim is
missing or names another schema fails verification, which the API reports
as 401. Access tokens inherit the claims from their refresh token.

Tokens also carry a digest of the person's security stamp. A password
change, deactivation or sign-out-everywhere rotates the stamp, which voids
every access token at once; their refresh tokens are also blacklisted.
"""

from django.db import connection, transaction
from django.utils.crypto import salted_hmac
from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme
from rest_framework import exceptions, serializers
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, DetailDictMixin, TokenError
from rest_framework_simplejwt.serializers import TokenObtainSerializer, TokenRefreshSerializer
from rest_framework_simplejwt.settings import api_settings
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from shared_apps.accounts.models import User
from shared_apps.accounts.two_factor import CodeRejected, has_two_factor, two_factor_verify
from tenant_apps.activity.actions import activity_record
from tenant_apps.security.audit import SecurityAudit
from tenant_apps.security.lockout import AccountLocked, sign_in_succeeded
from tenant_apps.security.selectors import two_factor_setup_required

SCHEMA_CLAIM = "schema"
STAMP_CLAIM = "stamp"


def stamp_claim(user) -> str:
    # The salt still names the module's old home: changing it would void every issued token.
    return salted_hmac(
        "accounts.tokens.stamp", user.security_stamp, algorithm="sha256"
    ).hexdigest()[:32]


class SchemaBoundMixin:
    def verify(self):
        # The signature was checked on decode; refuse a foreign token before
        # anything (such as the blacklist check) queries this schema for it.
        if self.payload.get(SCHEMA_CLAIM) != connection.schema_name:
            raise TokenError("Token was not issued for this workspace.")
        super().verify()


class TenantAccessToken(SchemaBoundMixin, AccessToken):
    pass


class TenantRefreshToken(SchemaBoundMixin, RefreshToken):
    access_token_class = TenantAccessToken

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[SCHEMA_CLAIM] = connection.schema_name
        token[STAMP_CLAIM] = stamp_claim(user)
        return token

    def blacklist(self):
        # simplejwt checks the blacklist on reading the token and blacklists it later with
        # get_or_create, so concurrent requests could all spend one token. The blacklist's
        # unique token column decides instead: only the request whose row went in goes on; a
        # concurrent one waits for that row to commit, then finds it and is refused.
        blacklisted, created = super().blacklist()
        if not created:
            raise TokenError("Token is blacklisted")
        return blacklisted


def _require_current_stamp(token, user) -> None:
    if token.get(STAMP_CLAIM) != stamp_claim(user):
        raise AuthenticationFailed(
            "This token was revoked because the password changed or the account signed out "
            "everywhere. Sign in again.",
            "token_revoked",
        )


class TenantJWTAuthentication(JWTAuthentication):
    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        _require_current_stamp(validated_token, user)
        return user


class TenantJWTScheme(SimpleJWTScheme):
    """Documents TenantJWTAuthentication in the OpenAPI schema as the bearer JWT it is."""

    target_class = TenantJWTAuthentication


class TwoFactorSetupRequired(DetailDictMixin, exceptions.PermissionDenied):
    default_detail = (
        "This workspace requires two-factor authentication for its team. Turn it on under "
        "My account → Two-factor authentication in the web app, then sign in again."
    )
    default_code = "two_factor_setup_required"


class TenantTokenObtainPairSerializer(TokenObtainSerializer):
    """Email and password (and a code, for people with two-factor on) for a token pair."""

    token_class = TenantRefreshToken
    otp = serializers.CharField(
        required=False,
        write_only=True,
        help_text="The 6-digit code from the authenticator app, or a recovery code. "
        "Required when the account has two-factor authentication on.",
    )
    refresh = serializers.CharField(read_only=True)
    access = serializers.CharField(read_only=True)

    def validate(self, attrs):
        request = self.context["request"]
        try:
            # authenticate(request=...) runs axes' backend, which counts failures.
            super().validate(attrs)
        except exceptions.AuthenticationFailed as failed:
            if getattr(request, "axes_locked_out", False):
                raise AccountLocked() from None
            # Re-raised with its code, like every other error of this endpoint.
            raise AuthenticationFailed(failed.detail, "no_active_account") from None
        user = self.user
        if has_two_factor(user):
            if not attrs.get("otp"):
                raise AuthenticationFailed(
                    "Two-factor authentication is on for this account: send the code from "
                    'your authenticator app (or a recovery code) in the "otp" field.',
                    "otp_required",
                )
            try:
                two_factor_verify(user, attrs["otp"])
            except CodeRejected as rejected:
                raise AuthenticationFailed(str(rejected), "otp_invalid") from None
        elif two_factor_setup_required(user):
            raise TwoFactorSetupRequired()
        refresh = self.get_token(user)
        sign_in_succeeded(request, user)
        activity_record(
            action=SecurityAudit.AUTH_SIGNED_IN,
            actor=user,
            target=user,
            changes={"via": "api"},
            request=request,
        )
        return {"refresh": str(refresh), "access": str(refresh.access_token)}


class TenantTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = TenantRefreshToken

    def validate(self, attrs):
        refresh = self.token_class(attrs["refresh"])
        user_id = refresh.payload.get(api_settings.USER_ID_CLAIM)
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if user is None:
            raise AuthenticationFailed(
                "No active account found for the given token.", "no_active_account"
            )
        _require_current_stamp(refresh, user)
        if two_factor_setup_required(user):
            raise TwoFactorSetupRequired()
        # Spending the old token and recording the new one commit together, so a concurrent
        # request with the same token waits for this one and is then refused.
        with transaction.atomic():
            return super().validate(attrs)
