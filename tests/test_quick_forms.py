"""``{% form_fields %}`` (the list pages' filter forms, written in Python) writes exactly what
``includes/forms.html#form`` writes, for fields with and without help, errors and ids."""

import pytest
from django import forms
from django.template import Context, Template
from django.template.loader import get_template

from tenant_apps.kit.widgets import QuickSelect


class Filters(forms.Form):
    status = forms.ChoiceField(
        required=False, choices=[("", "Any"), ("open", "Open & <new>")], widget=QuickSelect
    )
    q = forms.CharField(
        required=False,
        max_length=5,
        label='Text "with" <b>marks</b>',
        widget=forms.TextInput(attrs={"type": "search", "placeholder": "e.g. <this>"}),
    )
    overdue = forms.BooleanField(required=False, help_text="Only <late> ones.")
    count = forms.IntegerField(required=False, min_value=1)

    def clean(self):
        if self.cleaned_data.get("count") == 7:
            raise forms.ValidationError(["Not <seven>.", "Really."])
        return self.cleaned_data


@pytest.mark.parametrize(
    "data",
    [
        None,  # unbound
        {},
        {"status": "open", "q": "abc", "overdue": "on", "count": "3"},
        {"status": "nope", "q": "far too long", "count": "0"},  # field errors
        {"count": "7"},  # errors of the whole form
    ],
)
@pytest.mark.parametrize("auto_id", ["id_%s", False])
def test_form_fields_is_the_forms_template(data, auto_id):
    form = Filters(data, auto_id=auto_id)
    form.is_valid()
    template = get_template("includes/forms.html#form").render({"form": form})
    quick = Template("{% load quick_forms %}{% form_fields form %}").render(Context({"form": form}))
    assert quick == template
