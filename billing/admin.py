"""For support: every agency's subscription and the Stripe events handled. Stripe owns the
subscription itself, and the agency its owners; the one thing an operator may change is when
a trial ends."""

from django.contrib import admin

from billing.models import StripeEvent, Subscription
from billing.selectors import billing_state_forget


class NoAddOrDelete:
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # billing never deletes


@admin.register(Subscription)
class SubscriptionAdmin(NoAddOrDelete, admin.ModelAdmin):
    list_display = ["agency", "plan", "status", "trial_ends_at", "current_period_end"]
    list_filter = ["status", "plan"]
    search_fields = ["agency__name", "agency__subdomain", "stripe_customer_id"]
    list_select_related = ["agency"]
    readonly_fields = [
        "agency",
        "plan",
        "status",
        "stripe_customer_id",
        "stripe_subscription_id",
        "current_period_end",
        "cancel_at_period_end",
        "synced_at",
        "trial_ending_sent_at",
        "trial_ended_sent_at",
        "owner_emails",  # the agency's people actions keep it current
        "created_at",
    ]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        billing_state_forget(obj.agency)  # a longer trial shows at once


@admin.register(StripeEvent)
class StripeEventAdmin(NoAddOrDelete, admin.ModelAdmin):
    list_display = ["event_id", "type", "agency", "received_at"]
    list_filter = ["type"]
    search_fields = ["event_id", "agency__name"]
    list_select_related = ["agency"]
    readonly_fields = ["event_id", "type", "agency", "received_at"]
