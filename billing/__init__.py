"""Stripe subscriptions and plan limits (public schema). Plans and webhooks arrive with issue 8."""
