from __future__ import annotations

from django import forms

from imago.journal.services import UNKNOWN_VISIBILITY, JournalError
from imago.privacy.models import Visibility


class VisibilityRadioSelect(forms.RadioSelect):
    """Radio buttons where the choices not possible right now are shown, but disabled."""

    def __init__(self, *args, unavailable=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.unavailable = set(unavailable)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        if value in self.unavailable:
            option["attrs"]["disabled"] = True
            option["label"] = f"{label} (not possible right now)"
        return option


class JournalEntryForm(forms.Form):
    # Emptiness and length are checked by the service, so the web page and the API refuse
    # the same things with the same words.
    text = forms.CharField(
        label="Your entry",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Write freely. Only the people you choose below can read it.",
    )
    visibility = forms.ChoiceField(
        label="Who can read it",
        choices=Visibility.choices,
        initial=Visibility.PRIVATE,
        widget=VisibilityRadioSelect,
        error_messages={"required": UNKNOWN_VISIBILITY, "invalid_choice": UNKNOWN_VISIBILITY},
    )

    def __init__(self, *args, unavailable: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        unavailable = unavailable or {}
        field = self.fields["visibility"]
        current = self.data.get("visibility") if self.is_bound else self.initial.get("visibility")
        # The choice already made is never disabled: a disabled radio is not sent, and the
        # person would get "choose who can read" instead of the real reason.
        field.widget.unavailable = {v for v in unavailable if v != current}
        self._unavailable = unavailable
        self._explain_unavailable()

    def _explain_unavailable(self, *, except_reason: str = "") -> None:
        labels = dict(Visibility.choices)
        reasons = [
            f"{labels[v]}: {reason}"
            for v, reason in self._unavailable.items()
            if reason != except_reason
        ]
        if reasons:
            self.fields["visibility"].help_text = " ".join(reasons)
        elif self._unavailable:
            self.fields["visibility"].help_text = ""

    def add_journal_error(self, error: JournalError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)
        if field == "visibility":
            # The error already says why; the same sentence again as help would be noise.
            self._explain_unavailable(except_reason=error.message)
