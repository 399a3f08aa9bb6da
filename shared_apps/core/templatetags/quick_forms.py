"""``{% load quick_forms %}``: a form's fields as ``includes/forms.html#form`` writes them,
written in Python for the list pages' filter forms, which every load of a list renders
(a template include per field cost ~0.1 ms a field). ``tests/test_quick_forms.py`` holds it
to the template's text, so a change to forms.html must be made here too."""

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

register = template.Library()


@register.simple_tag
def form_fields(form) -> SafeString:
    """``{% form_fields form %}``: the same HTML as ``{% include "includes/forms.html#form" %}``."""
    escape = conditional_escape
    parts = ["\n"]
    parts.extend(f'<p class="error">{escape(error)}</p>' for error in form.non_field_errors())
    parts.append("\n")
    for field in form:
        errors = field.errors
        parts.append(
            f'\n<div class="field{" has-error" if errors else ""}">\n'
            f'  <label for="{escape(field.id_for_label)}">{escape(field.label)}</label>\n'
            f"  {escape(field)}\n  \n  "
        )
        if field.help_text:
            parts.append(
                f'<small class="help" id="{escape(field.auto_id)}_helptext">'
                f"{escape(field.help_text)}</small>"
            )
        parts.append("\n  ")
        if errors:
            parts.append(f'<div class="error" id="{escape(field.auto_id)}_error">')
            parts.extend(f"<p>{escape(error)}</p>" for error in errors)
            parts.append("</div>")
        parts.append("\n</div>\n")
    parts.append("\n")
    return SafeString("".join(parts))  # every value escaped above
