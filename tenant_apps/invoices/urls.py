from django.urls import path

from tenant_apps.invoices import views

app_name = "invoices"
urlpatterns = [
    path("invoices/", views.invoice_list, name="list"),
    path("invoices/new/", views.invoice_new, name="new"),
    path("invoices/new/line/", views.line_row_add, name="line_row"),
    path("invoices/new/totals/", views.totals_preview, name="totals"),
    path("invoices/upload/", views.invoice_upload, name="upload"),
    path("invoices/settings/", views.legal_settings, name="legal_settings"),
    path("invoices/settings/tax-rates/", views.tax_rate_list, name="tax_rates"),
    path(
        "invoices/settings/tax-rates/<int:rate_id>/archive/",
        views.tax_rate_archive,
        name="tax_rate_archive",
    ),
    path(
        "invoices/settings/tax-rates/<int:rate_id>/delete/",
        views.tax_rate_delete,
        name="tax_rate_delete",
    ),
    path("invoices/<int:invoice_id>/", views.invoice_detail, name="detail"),
    path("invoices/<int:invoice_id>/edit/", views.invoice_edit, name="edit"),
    path("invoices/<int:invoice_id>/pdf/", views.invoice_pdf, name="pdf"),
    path(
        "invoices/<int:invoice_id>/credit-notes/new/",
        views.credit_note_new,
        name="credit_note_new",
    ),
    path(
        "invoices/<int:invoice_id>/credit-notes/<int:note_id>/pdf/",
        views.credit_note_pdf,
        name="credit_note_pdf",
    ),
    *(
        path(f"invoices/<int:invoice_id>/{name.replace('_', '-')}/", view, name=name)
        for name, view in views.move_views.items()
    ),
]
