"""Writes to operator accounts, each in one transaction with its operator-log entry.

Operators are users of the public schema; run these there (the platform host, or a
management command, whose connection starts in public).
"""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from operators.log import operator_log_record
from operators.models import Operator
from operators.roles import Role
from shared_apps.accounts.models import User, new_security_stamp
from shared_apps.accounts.two_factor import recovery_codes_replace, totp_confirm


class OperatorAction:
    """The operator log's action codes for operator accounts and sign-ins."""

    CREATED = "operator.created"
    ROLE_CHANGED = "operator.role_changed"
    DEACTIVATED = "operator.deactivated"
    TWO_FACTOR_ENABLED = "operator.two_factor_enabled"
    TWO_FACTOR_RESET = "operator.two_factor_reset"
    SIGNED_IN = "operator.signed_in"
    TWO_FACTOR_FAILED = "operator.two_factor_failed"
    TOKEN_ISSUED = "operator.token_issued"


def _in_public_schema() -> None:
    if connection.schema_name != "public":
        raise RuntimeError("Operator accounts live in the public schema; switch to it first.")


def _admin_flags(role: str) -> dict:
    # Only admins reach the emergency /admin/ (operators.admin_site checks the role too).
    return {"is_staff": role == Role.ADMIN, "is_superuser": role == Role.ADMIN}


def _check_role(role: str) -> None:
    if role not in Role.values:
        choices = ", ".join(Role.values)
        raise ValidationError({"role": f"Choose one of: {choices}."}, code="invalid_role")


def operator_create(
    *, email: str, full_name: str, role: str, password: str, actor=None, request=None
) -> Operator:
    """A new operator; they set up two-factor at their first sign-in. ``actor`` is the
    operator (User) who added them, None from the command line. Raises ValidationError."""
    _in_public_schema()
    email = User.objects.normalize_email(email.strip()).lower()
    _check_role(role)
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError(
            {"email": "An operator with this email already exists."}, code="email_taken"
        )
    user = User(email=email, full_name=full_name.strip(), **_admin_flags(role))
    try:
        password_validation.validate_password(password, user)
    except ValidationError as invalid:
        raise ValidationError({"password": invalid.messages}, code="password_invalid") from None
    user.set_password(password)
    with transaction.atomic():
        user.save()
        operator = Operator.objects.create(user=user, role=role)
        operator_log_record(
            operator=actor,
            action=OperatorAction.CREATED,
            changes={"email": email, "role": role, "via": "console" if actor else "command line"},
            request=request,
        )
    return operator


def _other_active_admins(operator: Operator) -> bool:
    return (
        Operator.objects.filter(role=Role.ADMIN, user__is_active=True)
        .exclude(pk=operator.pk)
        .exists()
    )


def operator_role_change(*, operator: Operator, role: str, actor, request=None) -> Operator:
    """Raises ValidationError for an unknown role or for demoting the last admin."""
    _in_public_schema()
    _check_role(role)
    if role == operator.role:
        return operator
    with transaction.atomic():
        operator = Operator.objects.select_for_update().select_related("user").get(pk=operator.pk)
        if operator.role == Role.ADMIN and not _other_active_admins(operator):
            raise ValidationError(
                {"role": "This is the last admin: make another operator an admin first."},
                code="last_admin",
            )
        before = operator.role
        operator.role = role
        operator.save(update_fields=["role"])
        User.objects.filter(pk=operator.user_id).update(**_admin_flags(role))
        operator_log_record(
            operator=actor,
            action=OperatorAction.ROLE_CHANGED,
            changes={"email": operator.user.email, "role": [before, role]},
            request=request,
        )
    return operator


def operator_deactivate(*, operator: Operator, actor, request=None) -> Operator:
    """Signs them out everywhere (a new security stamp ends sessions and tokens) and keeps
    them out. Raises ValidationError for oneself or the last admin."""
    _in_public_schema()
    with transaction.atomic():
        operator = Operator.objects.select_for_update().select_related("user").get(pk=operator.pk)
        if actor is not None and operator.user_id == actor.pk:
            raise ValidationError("You can't deactivate yourself.", code="self")
        if operator.role == Role.ADMIN and not _other_active_admins(operator):
            raise ValidationError("This is the last admin: it can't be deactivated.", "last_admin")
        if not operator.user.is_active:
            return operator
        User.objects.filter(pk=operator.user_id).update(
            is_active=False, is_staff=False, is_superuser=False, security_stamp=new_security_stamp()
        )
        operator_log_record(
            operator=actor,
            action=OperatorAction.DEACTIVATED,
            changes={"email": operator.user.email, "role": operator.role},
            request=request,
        )
    operator.user.refresh_from_db()
    return operator


def operator_two_factor_reset(*, operator: Operator, actor, request=None) -> Operator:
    """For an operator who lost their phone and codes: their authenticator and recovery codes
    go, they are signed out everywhere, and their next sign-in sets two-factor up again."""
    _in_public_schema()
    with transaction.atomic():
        operator = Operator.objects.select_for_update().select_related("user").get(pk=operator.pk)
        TOTPDevice.objects.filter(user=operator.user).delete()
        StaticDevice.objects.filter(user=operator.user).delete()
        User.objects.filter(pk=operator.user_id).update(security_stamp=new_security_stamp())
        operator_log_record(
            operator=actor,
            action=OperatorAction.TWO_FACTOR_RESET,
            changes={"email": operator.user.email},
            request=request,
        )
    return operator


def operator_two_factor_enable(*, device, code: str, request=None) -> list[str]:
    """Confirm the operator's authenticator with its first code; returns the recovery codes,
    shown once. Raises shared_apps.accounts.two_factor.CodeRejected."""
    totp_confirm(device, code)
    with transaction.atomic():
        TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = recovery_codes_replace(device.user)
        operator_log_record(
            operator=device.user, action=OperatorAction.TWO_FACTOR_ENABLED, request=request
        )
    return codes


def operator_signed_in(*, user, via: str, request=None) -> None:
    """Record a completed sign-in (password and second factor) in the operator log."""
    action = OperatorAction.TOKEN_ISSUED if via == "api" else OperatorAction.SIGNED_IN
    with transaction.atomic():
        operator_log_record(operator=user, action=action, changes={"via": via}, request=request)


def operator_code_refused(*, user, via: str, request=None) -> None:
    """Record a wrong second-factor code after a right password: someone may hold the
    password."""
    with transaction.atomic():
        operator_log_record(
            operator=user,
            action=OperatorAction.TWO_FACTOR_FAILED,
            changes={"via": via},
            request=request,
        )
