"""Invoice emails: who hears about what, and what the email says.

Clients hear from their finance people's side of things (an invoice to pay, a reminder, a
receipt); the team hears when a client reports paying. Emails link to the portal, where
the PDF is downloaded after sign-in: an invoice never travels as an attachment.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from branding.emails import branded_email
from branding.selectors import brand_for
from shared_apps.accounts.models import User
from shared_apps.core.formatting import format_day, format_money
from tenant_apps.invoices.models import CreditNote, Invoice, NoticeKind
from tenant_apps.invoices.selectors import agency_today, invoice_recipients
from tenant_apps.kit.access import OWNER_OR_ADMIN
from tenant_apps.people.models import TeamMember


def team_recipients(invoice: Invoice) -> list[User]:
    """Owners and admins, and whoever made the invoice while they are still on the team."""
    members = TeamMember.objects.filter(
        Q(role__in=OWNER_OR_ADMIN) | Q(user_id=invoice.created_by_id), user__is_active=True
    ).select_related("user")
    return [member.user for member in members]


@dataclass(frozen=True)
class Notice:
    recipients: Callable[[Invoice], list[User]]
    subject: str  # subject and headline are str.format()ted with the words of _words()
    headline: str
    for_client: bool = True  # shows the amount due and the "Pay now" link


NOTICES = {
    NoticeKind.SENT: Notice(
        invoice_recipients,
        "Invoice {number} from {agency}: {total} due {due}",
        "{agency} has sent {company} invoice {number} for {total}, due on {due}.",
    ),
    NoticeKind.REMINDER: Notice(
        invoice_recipients,
        "Reminder: invoice {number} is overdue",
        "Invoice {number} for {total} was due on {due}, {days_late} ago, and we have not "
        "received payment yet. If you have paid it already, thank you: tell us on the "
        "invoice page and we will match it up.",
    ),
    NoticeKind.PAID: Notice(
        invoice_recipients,
        "Payment received: invoice {number}",
        "Thank you: we have received payment of {total} for invoice {number}.",
    ),
    NoticeKind.CREDITED: Notice(
        invoice_recipients,
        "Credit note {credit_number} on invoice {number}",
        "{agency} has issued credit note {credit_number} for {credited} on invoice {number} "
        "({total}): {reason}",
        for_client=False,  # no "Pay now" beside money given back
    ),
    NoticeKind.PAYMENT_REPORTED: Notice(
        team_recipients,
        "{company} reports paying invoice {number}",
        "{company} says they have paid invoice {number} ({total}). Mark it paid once the "
        "money arrives, or as not received if it does not.",
        for_client=False,
    ),
}


def invoice_url(invoice: Invoice) -> str:
    """The invoice's page on the current agency's host."""
    from tenants.middleware import agency_url

    path = reverse("invoices:detail", args=[invoice.pk], urlconf=settings.ROOT_URLCONF)
    return agency_url(connection.tenant.subdomain, path)


def _days(count: int) -> str:
    return f"{count} day{'s' if count != 1 else ''}"


@dataclass
class InvoiceMail:
    """One notice about one invoice, written for each recipient in their locale."""

    kind: str
    invoice: Invoice
    occurrence: int = 0  # for a credit note's notice, the credit note

    @property
    def notice(self) -> Notice:
        return NOTICES[self.kind]

    def recipients(self) -> list[User]:
        return self.notice.recipients(self.invoice)

    def context(self) -> dict:
        invoice = self.invoice
        portal_name = brand_for(connection.tenant).portal_name
        words = {
            "agency": portal_name,
            "company": invoice.company.name,
            "number": invoice.number,
            "total": format_money(invoice.total, invoice.currency),
            "due": format_day(invoice.due_date),
        }
        if self.kind == NoticeKind.REMINDER:
            words["days_late"] = _days((agency_today() - invoice.due_date).days)
        if self.kind == NoticeKind.CREDITED:
            note = CreditNote.objects.get(pk=self.occurrence, invoice=invoice)
            words["credit_number"] = note.number
            words["credited"] = format_money(note.total, invoice.currency)
            words["reason"] = note.reason
        return {
            "invoice": invoice,
            "total": words["total"],
            # One line, whatever the number or names hold: headers cannot span lines.
            "subject": " ".join(self.notice.subject.format(**words).split()),
            "headline": self.notice.headline.format(**words),
            "for_client": self.notice.for_client,
            "url": invoice_url(invoice),
        }

    def email(self, recipient: User, context: dict) -> EmailMultiAlternatives:
        return branded_email(
            subject=context["subject"],
            to=[recipient.email],
            text_template="invoices/emails/notice.txt",
            html_template="invoices/emails/notice.html",
            context={**context, "recipient": recipient},
        )
