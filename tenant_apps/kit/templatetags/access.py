from django import template

from tenant_apps.kit.access import can

register = template.Library()


@register.simple_tag
def may(actor, permission, obj=None) -> bool:
    """``{% may actor "company.manage_people" company as allowed %}``: the policy, in templates."""
    return can(actor, permission, obj)
