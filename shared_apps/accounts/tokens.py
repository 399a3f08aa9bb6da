"""JWTs bound to the agency that issued them.

User ids repeat across schemas, so stock simplejwt would map agency A's token
for user 7 to agency B's user 7 (django-tenants#983, simplejwt#758). Every
token here carries the issuing schema in a claim; a token whose claim is
missing or names another schema fails verification, which the API reports
as 401. Access tokens inherit the claim from their refresh token.
"""

from django.db import connection
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.serializers import (
    TokenObtainPairSerializer,
    TokenRefreshSerializer,
)
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

SCHEMA_CLAIM = "schema"


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
        return token


class TenantTokenObtainPairSerializer(TokenObtainPairSerializer):
    token_class = TenantRefreshToken


class TenantTokenRefreshSerializer(TokenRefreshSerializer):
    token_class = TenantRefreshToken
