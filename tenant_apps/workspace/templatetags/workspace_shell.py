from django import template

from tenant_apps.kit.access import actor_for
from tenant_apps.workspace.navigation import navigation_for

register = template.Library()


@register.simple_tag(takes_context=True)
def workspace_navigation(context):
    """``{% workspace_navigation as nav %}``: the signed-in person's links, this page's current.

    Worked out once per request: the shell's blocks each ask for it.
    """
    request = context["request"]
    if not hasattr(request, "_workspace_navigation"):
        match = request.resolver_match
        view_name = match.view_name if match else ""
        request._workspace_navigation = navigation_for(
            actor_for(request), context["brand"], view_name
        )
    return request._workspace_navigation
