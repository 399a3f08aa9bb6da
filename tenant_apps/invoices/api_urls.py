from django.urls import path

from tenant_apps.invoices import api

urlpatterns = [
    path("invoices", api.InvoicesApi.as_view(), name="api-invoices"),
    path("invoices/next-number", api.NextNumberApi.as_view(), name="api-invoice-next-number"),
    path("invoicing/legal-details", api.LegalDetailsApi.as_view(), name="api-legal-details"),
    path("invoicing/tax-rates", api.TaxRatesApi.as_view(), name="api-tax-rates"),
    path("invoicing/tax-rates/<int:rate_id>", api.TaxRateApi.as_view(), name="api-tax-rate"),
    path("invoices/<int:invoice_id>", api.InvoiceApi.as_view(), name="api-invoice"),
    path("invoices/<int:invoice_id>/pdf", api.InvoicePdfApi.as_view(), name="api-invoice-pdf"),
    path(
        "invoices/<int:invoice_id>/credit-notes",
        api.CreditNotesApi.as_view(),
        name="api-credit-notes",
    ),
    path(
        "invoices/<int:invoice_id>/credit-notes/<int:note_id>/pdf",
        api.CreditNotePdfApi.as_view(),
        name="api-credit-note-pdf",
    ),
    *(
        path(
            f"invoices/<int:invoice_id>/{name.replace('_', '-')}",
            view.as_view(),
            name=f"api-invoice-{name.replace('_', '-')}",
        )
        for name, view in api.move_apis.items()
    ),
]
