from django.urls import path

from tenant_apps.payments import api

urlpatterns = [
    path("payments/settings", api.PaymentSettingsApi.as_view(), name="api-payment-settings"),
    path("payments/connect", api.ConnectApi.as_view(), name="api-payments-connect"),
    path(
        "payments/account/refresh",
        api.AccountRefreshApi.as_view(),
        name="api-payments-account-refresh",
    ),
    path(
        "invoices/<int:invoice_id>/payments",
        api.InvoicePaymentsApi.as_view(),
        name="api-invoice-payments",
    ),
    path(
        "invoices/<int:invoice_id>/checkout-session",
        api.InvoiceCheckoutSessionApi.as_view(),
        name="api-invoice-checkout-session",
    ),
    path("payments/<int:payment_id>/receipt", api.ReceiptApi.as_view(), name="api-payment-receipt"),
    path("payments/<int:payment_id>/refund", api.RefundApi.as_view(), name="api-payment-refund"),
]
