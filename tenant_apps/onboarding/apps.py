from django.apps import AppConfig


class OnboardingConfig(AppConfig):
    name = "tenant_apps.onboarding"
    label = "onboarding"
