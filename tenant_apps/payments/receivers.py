"""What billing's Connect events mean for the agency: handled in its own schema, inside the
transaction that records the event id (see billing.connect)."""

from django_tenants.utils import tenant_context

from tenant_apps.activity.actions import activity_record
from tenant_apps.payments.actions import payment_event_apply
from tenant_apps.payments.audit import PaymentAudit


def on_connect_event(sender, *, agency, event, **kwargs) -> str:
    with tenant_context(agency):
        return payment_event_apply(event=event)


def on_account_changed(sender, *, agency, account, changes, **kwargs):
    with tenant_context(agency):
        activity_record(
            action=PaymentAudit.PAYMENTS_ACCOUNT_CHANGED, target=account, changes=changes
        )
