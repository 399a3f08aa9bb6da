from django import forms

from billing.plans import all_plans


class CheckoutForm(forms.Form):
    plan = forms.ChoiceField(choices=())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].choices = [(plan.key, plan.name) for plan in all_plans()]
