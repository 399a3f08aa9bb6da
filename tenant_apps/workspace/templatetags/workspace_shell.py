from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from tenant_apps.kit.access import actor_for
from tenant_apps.workspace.navigation import Navigation, navigation_for

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


@register.simple_tag
def navigation_links(nav) -> SafeString:
    """``{% navigation_links nav %}``: workspace/includes/nav.html for ``nav``, rendered once per
    distinct navigation per process (it depends on nothing else) rather than on every page."""
    return _navigation_html(nav)


@lru_cache(maxsize=1024)
def _navigation_html(nav: Navigation) -> SafeString:
    # A template's output, so already safe.
    return render_to_string("workspace/includes/nav.html", {"nav": nav})
