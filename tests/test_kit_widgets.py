"""QuickSelect writes the HTML Django's Select writes, only faster."""

import re

import pytest
from django import forms

from tenant_apps.kit.widgets import QuickSelect

CHOICES = [("", "Any"), ("a", "<b>A & co</b>"), ("Group", [("g1", "One"), ("g2", "Two")])]


class QuickSelectMultiple(QuickSelect):
    allow_multiple_selected = True


def _tight(html: str) -> tuple[set, str]:
    """The select's attributes (in any order) and its options, whitespace between tags aside."""
    opening, rest = re.sub(r">\s+<", "><", html).strip().split(">", 1)
    return set(re.findall(r'\S+="[^"]*"|\s\w+(?=\s|$)', opening)), rest


@pytest.mark.parametrize(
    ("quick", "django", "value"),
    [
        (QuickSelect, forms.Select, "a"),
        (QuickSelect, forms.Select, None),
        (QuickSelect, forms.Select, "g2"),
        (QuickSelectMultiple, forms.SelectMultiple, ["a", "g1"]),
    ],
)
def test_the_same_html_as_djangos_select(quick, django, value):
    attrs = {"id": "id_pick", "aria-describedby": "pick_help"}
    ours = quick(choices=CHOICES).render("pick", value, attrs)
    theirs = django(choices=CHOICES).render("pick", value, attrs)
    assert _tight(ours) == _tight(theirs)
    assert "&lt;b&gt;A &amp; co&lt;/b&gt;" in ours
