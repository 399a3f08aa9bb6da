from datetime import timedelta

from django import forms

# The lengths an owner may grant support access for (key -> how long, in words).
DURATIONS = {
    "1h": (timedelta(hours=1), "1 hour"),
    "4h": (timedelta(hours=4), "4 hours"),
    "24h": (timedelta(hours=24), "24 hours"),
    "3d": (timedelta(days=3), "3 days"),
    "7d": (timedelta(days=7), "7 days"),
}
DURATION_CHOICES = [(key, words) for key, (_, words) in DURATIONS.items()]
NOTE_HELP = "Optional: what support should look at. Support sees this note."


class GrantForm(forms.Form):
    ends_in = forms.ChoiceField(label="Allow access for", choices=DURATION_CHOICES, initial="24h")
    note = forms.CharField(
        label="Note for support", max_length=300, required=False, help_text=NOTE_HELP
    )

    def duration(self) -> timedelta:
        return DURATIONS[self.cleaned_data["ends_in"]][0]
