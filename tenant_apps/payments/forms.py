from django import forms

from tenant_apps.payments.models import DEBIT_CURRENCIES, Method


def _method_label(method: Method) -> str:
    currency = DEBIT_CURRENCIES.get(method)
    return f"{method.label}, for {currency} invoices" if currency else f"{method.label}, always"


class PaymentSettingsForm(forms.Form):
    methods = forms.MultipleChoiceField(
        label="Payment methods offered",
        choices=[(method.value, _method_label(method)) for method in Method],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Clients see a bank debit only on invoices in its currency.",
    )
    allow_partial = forms.BooleanField(
        label="Clients may pay part of an invoice",
        required=False,
        help_text="The rest stays due until paid.",
    )


class PayForm(forms.Form):
    """The amount to pay; left empty, all that is due. The action checks it against the due."""

    amount = forms.CharField(label="Amount to pay", required=False, max_length=30)


class RefundForm(forms.Form):
    """The amount to give back; left empty, all that is not refunded yet."""

    amount = forms.CharField(label="Amount to refund", required=False, max_length=30)
