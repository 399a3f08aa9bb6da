import secrets

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac

from shared_apps.core import regional


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)

    def create_user(self, email, password=None, **fields):
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. The table exists in every schema.

    In an agency's schema: its team and its clients' people. In the public
    schema: platform operators. Ids repeat across schemas, which is why
    sessions and tokens are bound to the schema they were issued in.
    """

    # Stored lower-cased (see UserManager and the forms), so unique means case-insensitively unique.
    # Unique through Meta.constraints: no _like index, it is never matched by prefix.
    email = models.EmailField(max_length=254)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="May use the operator admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    # Rotated to end every session and token at once (sign out everywhere,
    # password change, deactivation); sessions and JWTs carry a hash of it.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp)
    # Blank: the agency's (shared_apps.core.regional).
    time_zone = models.CharField(
        max_length=64, blank=True, default="", validators=[regional.validate_time_zone]
    )
    locale = models.CharField(
        max_length=16, blank=True, default="", validators=[regional.validate_locale]
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [models.UniqueConstraint(fields=["email"], name="accounts_user_email_key")]

    def __str__(self):
        return self.full_name or self.email

    def _get_session_auth_hash(self, secret=None):
        return salted_hmac(
            "accounts.User.session_auth_hash",
            f"{self.password}:{self.security_stamp}",
            secret=secret,
            algorithm="sha256",
        ).hexdigest()

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email
