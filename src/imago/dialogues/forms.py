from __future__ import annotations

from django import forms

from imago.dialogue import Variant
from imago.dialogues.services import DialogueError

# Far above a turn's real limit (imago.dialogue.MAX_TURN_CHARS), so the service gives the
# helpful message about shorter chunks; this only keeps absurd posts out.
MAX_POSTED_TEXT = 20_000


class DialogueErrorMixin:
    def add_dialogue_error(self, error: DialogueError) -> None:
        field = error.field if error.field in self.fields else None
        self.add_error(field, error.message)


class DialogueRequestForm(DialogueErrorMixin, forms.Form):
    variant = forms.ChoiceField(
        label="What kind of dialogue?",
        choices=[
            (
                Variant.STANDARD.value,
                "An everyday dialogue: share something on your mind and be heard.",
            ),
            (
                Variant.FRUSTRATION.value,
                "Talking about a frustration: go a little deeper, to the feeling and the wish "
                "underneath.",
            ),
        ],
        initial=Variant.STANDARD.value,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Please choose what kind of dialogue this is.",
            "invalid_choice": "Please choose what kind of dialogue this is.",
        },
    )
    together = forms.BooleanField(
        required=False,
        label="We are sitting together: use this one screen for both of us",
        help_text="The screen shows whose turn it is; you pass it between you.",
    )


class EventForm(forms.Form):
    """The room without JavaScript: one button press, with the words typed so far."""

    action = forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": "That is not something a dialogue can do."},
    )
    # "Send as it is", after the coach's feedback: the same turn, not read again.
    anyway_action = forms.CharField(
        required=False,
        max_length=20,
        error_messages={"max_length": "That is not something a dialogue can do."},
    )
    text = forms.CharField(
        required=False,
        strip=False,
        max_length=MAX_POSTED_TEXT,
        error_messages={
            "max_length": "This is far too long for one turn. Shorter chunks are easier for "
            "your partner to mirror: try sending part of it."
        },
    )
    client_id = forms.CharField(
        max_length=64,
        error_messages={
            "required": "This message could not be matched to your screen. Please reload.",
            "max_length": "This message could not be matched to your screen. Please reload.",
        },
    )
    expected_seq = forms.IntegerField(
        min_value=0,
        max_value=2**31 - 1,
        error_messages={
            "required": "This screen is out of date. It now shows where you both are.",
            "invalid": "This screen is out of date. It now shows where you both are.",
            "min_value": "This screen is out of date. It now shows where you both are.",
            "max_value": "This screen is out of date. It now shows where you both are.",
        },
    )

    # Only on the shared screen: the seat whose turn the screen showed (see event_submit).
    as_seat = forms.ChoiceField(
        required=False,
        choices=[("", ""), ("a", "a"), ("b", "b")],
        error_messages={"invalid_choice": "This screen is out of date. Please reload."},
    )

    def clean(self):
        data = super().clean()
        data["anyway"] = bool(data.get("anyway_action"))
        data["action"] = data.get("anyway_action") or data.get("action")
        if not data["action"] and "action" not in self.errors:
            self.add_error("action", "Please choose what to do.")
        return data

    def first_error(self) -> str:
        for errors in self.errors.values():
            return errors[0]
        return ""

    def typed_text(self) -> str:
        """What the person typed, kept for them even when the form is refused."""
        return str(self.data.get("text", ""))[:MAX_POSTED_TEXT]


class ReadyAtForm(DialogueErrorMixin, forms.Form):
    # A datetime-local value has no time zone: Django reads it in the current time zone
    # (settings.TIME_ZONE) with timezone.make_aware, the zone every time on the site is shown in.
    ready_at = forms.DateTimeField(
        label="I can be ready at",
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text="A time within the next two days.",
        error_messages={
            "required": "Please choose a day and a time.",
            "invalid": "Please choose a day and a time, for example 2030-05-04 19:30.",
        },
    )


class SharedDeviceForm(forms.Form):
    """One screen for both partners, or back to a screen each."""

    shared = forms.TypedChoiceField(
        choices=[("1", "One screen together"), ("0", "A screen each")],
        coerce=lambda value: value == "1",
        error_messages={
            "required": "Please choose one screen or two.",
            "invalid_choice": "Please choose one screen or two.",
        },
    )


class OfferForm(forms.Form):
    """The facilitator's controls: pause or go on, a stem for one partner, or a nudge."""

    what = forms.ChoiceField(
        choices=[("pause", "Pause"), ("resume", "Go on"), ("stem", "Offer"), ("nudge", "Nudge")],
        error_messages={
            "required": "Please choose what to do.",
            "invalid_choice": "Please choose what to do.",
        },
    )
    seat = forms.ChoiceField(
        label="For",
        required=False,
        choices=[("", "Choose a partner"), ("a", "a"), ("b", "b")],
        error_messages={"invalid_choice": "Please choose a partner."},
    )
    text = forms.CharField(
        label="Your suggestion",
        required=False,
        max_length=300,
        help_text="Shown on that partner's screen only, as a way to begin. It is not saved.",
        error_messages={"max_length": "A suggestion fits in 300 characters."},
    )
    client_id = forms.CharField(required=False, max_length=64)

    def first_error(self) -> str:
        for errors in self.errors.values():
            return errors[0]
        return ""
