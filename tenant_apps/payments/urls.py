from django.urls import path

from tenant_apps.payments import views

app_name = "payments"
urlpatterns = [
    path("settings/payments/", views.payment_settings_page, name="settings"),
    path("settings/payments/connect/", views.connect, name="connect"),
    path("settings/payments/return/", views.onboarding_return, name="onboarding_return"),
    path("settings/payments/refresh/", views.refresh, name="refresh"),
    path("invoices/<int:invoice_id>/pay/", views.pay, name="pay"),
    path("invoices/<int:invoice_id>/pay/return/", views.pay_return, name="return"),
    path("payments/<int:payment_id>/", views.payment_detail, name="detail"),
    path("payments/<int:payment_id>/receipt/", views.receipt, name="receipt"),
    path("payments/<int:payment_id>/refund/", views.refund, name="refund"),
]
