from django import forms

NAME_MISMATCH = "Type the person's name exactly as shown above."


def name_matches(typed: str, person) -> bool:
    """The name typed to confirm, compared without case or extra spaces."""
    return " ".join(typed.split()).casefold() == " ".join(person.full_name.split()).casefold()


class EraseForm(forms.Form):
    confirm_name = forms.CharField(
        label="Type their name to confirm",
        max_length=150,
        help_text="Their full name, as shown above.",
    )

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.person = person
        self.fields["confirm_name"].widget.attrs["autocomplete"] = "off"

    def clean_confirm_name(self):
        typed = self.cleaned_data["confirm_name"]
        if not name_matches(typed, self.person):
            raise forms.ValidationError(NAME_MISMATCH)
        return typed
