from django import forms

from tenant_apps.satisfaction.models import COMMENT_MAX_LENGTH, Score


class RatingForm(forms.Form):
    score = forms.ChoiceField(
        choices=Score.choices,
        widget=forms.RadioSelect,
        label="How did we do?",
        error_messages={"required": "Choose good, okay or bad."},
    )
    comment = forms.CharField(
        required=False,
        max_length=COMMENT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        label="Comment (optional)",
    )


class LinkRatingForm(forms.Form):
    score = RatingForm.base_fields["score"]
