"""``{% support_panel agency %}``: the agency page's support-access panel, whichever area's
page includes it (it reads what it shows itself; the including page passes only ``agency``)."""

from django import template

from operators.access import operator_of
from operators.roles import Capability, role_may
from operators.support import may_pick_person, start_form, support_state

register = template.Library()


@register.inclusion_tag("operators/includes/support_panel.html", takes_context=True)
def support_panel(context, agency, form=None):
    request = context["request"]
    operator = operator_of(request)
    may = operator is not None and role_may(operator.role, Capability.IMPERSONATE)
    state = support_state(agency)
    if may_pick_person(operator, state) and not form:  # "" when the page passed none
        form = start_form(agency)
    return {
        "agency": agency,
        "may_impersonate": may,
        "form": form,
        "csrf_token": context.get("csrf_token"),
        "request": request,
        **state,
    }
