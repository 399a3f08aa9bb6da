"""What approvals do when other apps change things they rest on."""

from django.dispatch import receiver

from tenant_apps.approvals.actions import approvals_supersede
from tenant_apps.documents.signals import version_added
from tenant_apps.invoices.signals import pdf_replaced


@receiver(version_added, dispatch_uid="approvals.supersede_older_versions")
def supersede_older_versions(sender, version, actor, **kwargs):
    # Inside the upload's transaction: the new version and the supersedes commit together.
    approvals_supersede(version=version, actor=actor)


@receiver(pdf_replaced, dispatch_uid="approvals.supersede_replaced_invoice_pdf")
def supersede_replaced_invoice_pdf(sender, invoice, actor, **kwargs):
    approvals_supersede(invoice=invoice, actor=actor)
