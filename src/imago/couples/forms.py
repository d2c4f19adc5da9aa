from __future__ import annotations

from django import forms

from imago.couples.services import code_looks_valid
from imago.dialogue import DEFAULT_LIMITS, LIMIT_RANGES


class PartnerInviteForm(forms.Form):
    email = forms.EmailField(
        label="Your partner's e-mail address (optional)",
        required=False,
        help_text="We send them the link and the code. Leave it empty to pass them on yourself.",
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )


class InvitationCodeForm(forms.Form):
    code = forms.CharField(
        label="Invitation code",
        max_length=20,
        help_text="Eight letters and digits, like ABCD-EFGH. Upper or lower case both work.",
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )

    def clean_code(self) -> str:
        code = self.cleaned_data["code"]
        if not code_looks_valid(code):
            raise forms.ValidationError(
                "That doesn't look like an invitation code. It has eight letters and digits, "
                "like ABCD-EFGH."
            )
        return code


def _limit_field(name: str, label: str, unit: str, note: str = "") -> forms.IntegerField:
    """A whole number within LIMIT_RANGES[name], with every error saying the allowed range."""
    low, high = LIMIT_RANGES[name]
    default = getattr(DEFAULT_LIMITS, name)
    choose = f"Choose a whole number of {unit} from {low} to {high}."
    return forms.IntegerField(
        label=label,
        min_value=low,
        max_value=high,
        help_text=f"From {low} to {high} {unit}{note}; {default} unless you change it.",
        error_messages={
            "required": f"Please fill this in. {choose}",
            "invalid": choose,
            "min_value": choose,
            "max_value": choose,
        },
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )


class BalanceLimitsForm(forms.Form):
    """The therapist's limits for the balance nudge in one couple's dialogues."""

    minutes = _limit_field("minutes", "Minutes on the frustration", "minutes")
    turns = _limit_field(
        "turns", "Speaking turns on the frustration", "turns", ", counting both partners"
    )
