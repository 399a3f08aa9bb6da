from django import template

from operators.roles import Capability, role_may
from operators.suspension import public_notice
from operators.suspension_forms import panel_forms

register = template.Library()


@register.inclusion_tag("operators/includes/agency_suspension_panel.html", takes_context=True)
def agency_suspension_panel(context, agency, forms=None):
    """``{% agency_suspension_panel agency %}``: the agency's state and the forms the viewing
    operator's role may use; ``forms`` (one bound with errors) replaces the fresh ones."""
    operator = getattr(context.get("request"), "operator", None)
    role = operator.role if operator else ""
    return {
        "agency": agency,
        "forms": forms or panel_forms(agency),
        "may_suspend": role_may(role, Capability.SUSPEND),
        "may_delete": role_may(role, Capability.DELETE),
        "notice": public_notice(agency.suspension_category) if agency.is_suspended else "",
        "csrf_token": context.get("csrf_token"),
        "request": context.get("request"),
    }
