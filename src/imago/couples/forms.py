from __future__ import annotations

from django import forms

from imago.couples.services import code_looks_valid


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
