from django.conf import settings


def platform_support(request) -> dict:
    """Where agencies write to the platform (the suspended page, the deletion banner)."""
    return {"platform_support_email": settings.PLATFORM_SUPPORT_EMAIL}
