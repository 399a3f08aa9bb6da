"""Form widgets the lists share."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import escape
from django.utils.safestring import SafeString


class QuickSelect(forms.Select):
    """A select written in Python: the same HTML as Django's, without a template include and
    an option dict per option, which made a list page's filter form a third of its CPU and
    grew with the client count. Every value and label goes through ``escape``."""

    def render(self, name, value, attrs=None, renderer=None):
        return self._select(name, value, attrs, self.choices)

    def _select(self, name, value, attrs, choices):
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        chosen = set(self.format_value(value))
        parts = [f'<select name="{escape(name)}"{flatatt(attrs)}>']
        for group_value, group_label in choices:
            grouped = isinstance(group_label, (list, tuple))
            if grouped:
                parts.append(f'<optgroup label="{escape(group_value)}">')
            for option_value, label in group_label if grouped else [(group_value, group_label)]:
                option_value = "" if option_value is None else str(option_value)
                selected = option_value in chosen
                if selected and not self.allow_multiple_selected:
                    chosen = set()  # a single select marks its first match only, as Django's
                mark = " selected" if selected else ""
                parts.append(
                    f'<option value="{escape(option_value)}"{mark}>{escape(label)}</option>'
                )
            if grouped:
                parts.append("</optgroup>")
        parts.append("</select>")
        return SafeString("".join(parts))  # every value and label escaped above


class ClientPicker(QuickSelect):
    """A client filter that stays cheap as an agency grows: a select while it has at most
    ``MANY`` clients, past that a search box taking part of a client's name (or its id, as
    links and the select send), so the page no longer writes every client and the filter
    still works without JavaScript. The field (``kit.words.ClientFilterField``) reads both."""

    MANY = 50
    input_type = "search"

    def render(self, name, value, attrs=None, renderer=None):
        # One query either way: at most MANY + 1 names, as (id, name), without model rows.
        companies = self.choices.queryset
        few = list(companies.values_list("pk", "name")[: self.MANY + 1])
        if len(few) <= self.MANY:
            return self._select(name, value, attrs, [("", self.choices.field.empty_label), *few])
        shown = self.format_value(value)
        text = shown[0] if shown else ""
        if text.isdecimal():  # an id from a link or a former select: show its name
            text = companies.filter(pk=text).values_list("name", flat=True).first() or text
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "placeholder": "Part of a name"})
        return SafeString(
            f'<input type="search" name="{escape(name)}" value="{escape(text)}"{flatatt(attrs)}>'
        )
