from django import forms

from tenant_apps.help_centre.models import (
    ArticleStatus,
    ArticleVisibility,
    Collection,
    Visibility,
)
from tenant_apps.people.models import ClientCompany

SLUG_HELP = "The last part of its address. Made from the title if left empty."


class CollectionForm(forms.Form):
    title = forms.CharField(max_length=120)
    slug = forms.SlugField(max_length=80, required=False, label="Address", help_text=SLUG_HELP)
    description = forms.CharField(max_length=300, required=False)
    position = forms.IntegerField(min_value=0, max_value=10_000, initial=0, label="Order")
    visibility = forms.ChoiceField(choices=Visibility.choices, label="Who may read it")
    companies = forms.ModelMultipleChoiceField(
        ClientCompany.objects.none(),
        required=False,
        label="Chosen clients",
        help_text="For “Chosen clients” only.",
    )
    is_public = forms.BooleanField(
        required=False,
        label="Public: readable without signing in on the portal's address",
        help_text="Only for a collection open to all clients.",
    )

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = companies


class ArticleForm(forms.Form):
    collection = forms.ModelChoiceField(Collection.objects.all(), empty_label=None)
    title = forms.CharField(max_length=200)
    slug = forms.SlugField(max_length=120, required=False, label="Address", help_text=SLUG_HELP)
    summary = forms.CharField(
        max_length=300, required=False, help_text="One sentence shown in lists and suggestions."
    )
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 14}),
        max_length=100_000,
        help_text="Markdown: # headings, **bold**, *italic*, [links](https://…), lists, tables.",
    )
    status = forms.ChoiceField(choices=ArticleStatus.choices, initial=ArticleStatus.DRAFT)
    visibility = forms.ChoiceField(choices=ArticleVisibility.choices, label="Who may read it")
    companies = forms.ModelMultipleChoiceField(
        ClientCompany.objects.none(),
        required=False,
        label="Chosen clients",
        help_text="For “Chosen clients” only; they must also be let into the collection.",
    )

    def __init__(self, *args, companies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["companies"].queryset = companies


class SearchForm(forms.Form):
    q = forms.CharField(max_length=200, required=False, label="Search the help centre")


class SuggestForm(forms.Form):
    # The request form's own fields, as htmx sends them; longer text is cut, not refused.
    title = forms.CharField(required=False)
    details = forms.CharField(required=False)
    help_ref = forms.CharField(required=False)

    def clean_title(self):
        return self.cleaned_data["title"][:200]

    def clean_details(self):
        return self.cleaned_data["details"][:2000]


class AnsweredForm(forms.Form):
    ref = forms.RegexField(r"^[0-9a-f]{32}$", max_length=32)
