from __future__ import annotations

from datetime import date, timedelta

from django import forms

from imago.negativity.models import DayMark
from imago.negativity.services import (
    CHOOSE_DAY,
    MAX_NOTE_LENGTH,
    UNKNOWN_CHOICE,
    NegativityError,
    long_date,
)


class NegativityForm(forms.Form):
    def add_negativity_error(self, error: NegativityError) -> None:
        self.add_error(error.field if error.field in self.fields else None, error.message)


class MarkForm(NegativityForm):
    # Which days may be marked and how long a note may be are checked by the service, so
    # a tampered form gets the same answer, in the same words, as the page itself would give.
    day = forms.DateField(
        label="Which day",
        widget=forms.RadioSelect,
        error_messages={"required": CHOOSE_DAY, "invalid": CHOOSE_DAY},
    )
    choice = forms.ChoiceField(
        label="How did it go?",
        choices=DayMark.Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": UNKNOWN_CHOICE, "invalid_choice": UNKNOWN_CHOICE},
    )
    note = forms.CharField(
        label="A private note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            f"Only you can read it, never your partner. Up to {MAX_NOTE_LENGTH:,} characters."
        ),
    )

    def __init__(self, *args, today: date, started_on: date, **kwargs):
        super().__init__(*args, **kwargs)
        yesterday = today - timedelta(days=1)
        choices = [(today.isoformat(), f"Today, {long_date(today)}")]
        if yesterday >= started_on:
            choices.append((yesterday.isoformat(), f"Yesterday, {long_date(yesterday)}"))
        self.fields["day"].widget.choices = choices
        self.fields["day"].initial = today.isoformat()


class RepairForm(NegativityForm):
    apology = forms.CharField(
        label="Something I'm sorry for…",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="A few words are enough: what you said or did, and that you are sorry.",
    )
    appreciation_1 = forms.CharField(
        label="Something I appreciate about you…",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    appreciation_2 = forms.CharField(
        label="Something else I appreciate about you… (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    appreciation_3 = forms.CharField(
        label="And one more, if you like (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    # The labels are sentence stems ending in "…"; a colon after them would read oddly.
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def appreciations(self) -> list[str]:
        return [self.cleaned_data.get(f"appreciation_{n}", "") for n in (1, 2, 3)]
