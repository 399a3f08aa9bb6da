"""Operator API tokens: short-lived access tokens of their own type, for the public schema.

Issued only after the password and a second-factor code (operators.sign_in_api), so a
request carrying one counts as two-factor verified for ``operators.access.operator_of``.
An operator token is a different token type from an agency's ("operator" against
"access"), bound to the public schema and to the operator's security stamp: an agency's
token is never read as an operator's, nor the other way round, and deactivating an
operator voids theirs at once.
"""

from datetime import timedelta

from django.db import connection
from django.utils.crypto import salted_hmac
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import SessionAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed, TokenError
from rest_framework_simplejwt.tokens import Token

from operators.models import Operator

SCHEMA_CLAIM = "schema"
STAMP_CLAIM = "stamp"
LIFETIME = timedelta(minutes=15)


def operator_stamp(user) -> str:
    return salted_hmac(
        "operators.tokens.stamp", user.security_stamp, algorithm="sha256"
    ).hexdigest()[:32]


class OperatorAccessToken(Token):
    token_type = "operator"
    lifetime = LIFETIME

    @classmethod
    def for_user(cls, user):
        token = super().for_user(user)
        token[SCHEMA_CLAIM] = "public"
        token[STAMP_CLAIM] = operator_stamp(user)
        return token

    def verify(self):
        if self.payload.get(SCHEMA_CLAIM) != "public":
            raise TokenError("Token was not issued for the operator console.")
        super().verify()


def _verified():
    return True


class OperatorJWTAuthentication(JWTAuthentication):
    """Reads only operator tokens, and only on the public schema; any other bearer token is
    left to the agency authentication after it (which refuses it with 401 here)."""

    def authenticate(self, request):
        if connection.schema_name != "public":
            return None
        header = self.get_header(request)
        raw = self.get_raw_token(header) if header is not None else None
        if raw is None:
            return None
        try:
            token = OperatorAccessToken(raw)
        except TokenError:
            return None
        user = self.get_user(token)
        if token.get(STAMP_CLAIM) != operator_stamp(user):
            raise AuthenticationFailed(
                "This token was revoked: the operator was deactivated. Sign in again.",
                "token_revoked",
            )
        if not Operator.objects.filter(user=user).exists():
            raise AuthenticationFailed("This token is not an operator's.", "not_an_operator")
        # The token was issued after a second factor (see the module's docstring).
        user.is_verified = _verified
        return user, token


# For operator API views: an operator's token or a console session (an agency's token is
# not read, so it authenticates no one: 401). Documents only the operator's token.
OPERATOR_AUTHENTICATION = [
    OperatorJWTAuthentication,
    SessionAuthentication,
]


class OperatorJWTScheme(OpenApiAuthenticationExtension):
    target_class = OperatorJWTAuthentication
    name = "operatorJWT"

    def get_security_requirement(self, auto_schema):
        # It is a default authentication, but only the operator API takes operator tokens.
        if auto_schema.path.startswith("/api/v1/operator/"):
            return {self.name: []}
        return None

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "An operator's access token from POST /api/v1/operator/auth/token "
            "(15 minutes), on the platform host only.",
        }
