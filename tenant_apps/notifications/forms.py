from django import forms

from tenant_apps.notifications.kinds import Channel, kinds_for
from tenant_apps.notifications.selectors import preference_channels


class PreferencesForm(forms.Form):
    """One choice per kind this person can receive: immediately, daily digest or off."""

    def __init__(self, *args, user, is_team: bool, **kwargs):
        super().__init__(*args, **kwargs)
        kinds = kinds_for(is_team=is_team)
        current = preference_channels([user.pk], list(kinds))
        for key, kind in kinds.items():
            self.fields[key] = forms.ChoiceField(
                label=kind.label,
                choices=Channel.choices,
                initial=current[user.pk, key],
                widget=forms.RadioSelect,
            )

    def channels(self) -> dict[str, str]:
        return dict(self.cleaned_data)
