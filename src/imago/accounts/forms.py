from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AdminUserCreationForm,
    AuthenticationForm,
    UserChangeForm,
)

from imago.accounts.models import PROFESSIONAL_ROLES, CertificationLevel, Role, User
from imago.accounts.services import EMAIL_TAKEN, email_is_taken

SIGNUP_ROLES = [
    (Role.PERSON, "A person: with a partner or on my own"),
    (Role.THERAPIST, "A therapist"),
    (Role.PRESENTER, "A workshop presenter"),
    (Role.FACILITATOR, "A facilitator (non-clinical)"),
]


class SignupForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    display_name = forms.CharField(
        label="Name",
        max_length=80,
        help_text="What your partner and your therapist will see. A first name is enough.",
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        help_text="At least 10 characters. A few unrelated words are easy to remember.",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    role = forms.ChoiceField(
        label="I am joining as",
        choices=SIGNUP_ROLES,
        initial=Role.PERSON,
        widget=forms.RadioSelect,
    )
    certification_level = forms.ChoiceField(
        label="Certification level",
        choices=[("", "Choose one")] + list(CertificationLevel.choices),
        required=False,
        help_text="Only for therapists, presenters and facilitators.",
    )
    credentials = forms.CharField(
        label="Credentials",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=(
            "Licence or registration numbers, and where an administrator can check them. "
            "Only for therapists, presenters and facilitators."
        ),
    )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip()
        if email_is_taken(email):
            raise forms.ValidationError(EMAIL_TAKEN)
        return email

    def clean(self):
        data = super().clean()
        role = data.get("role")
        if role in PROFESSIONAL_ROLES and not data.get("certification_level"):
            self.add_error(
                "certification_level", "Please choose your certification level, or In training."
            )
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords are not the same. Please type it again.")
        elif password1:
            # The validators compare the password with the e-mail and the name.
            candidate = User(email=data.get("email", ""), display_name=data.get("display_name", ""))
            try:
                password_validation.validate_password(password1, user=candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class ProfessionalForm(forms.Form):
    certification_level = forms.ChoiceField(
        label="Certification level",
        choices=[("", "Choose one")] + list(CertificationLevel.choices),
    )
    credentials = forms.CharField(
        label="Credentials",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Licence or registration numbers, and where an administrator can check them.",
    )


class LoginForm(AuthenticationForm):
    """The field keeps the name `username`, which django-axes reads to count failures."""

    username = forms.EmailField(
        label="E-mail address",
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )
    error_messages = {
        "invalid_login": (
            "That e-mail address and password do not match an account. "
            "Please check them and try again."
        ),
        "inactive": "This account is switched off. Please contact us.",
    }


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}
        ),
    )


class TOTPConfirmForm(CodeForm):
    code = forms.CharField(
        label="The 6-digit code your app shows",
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class VerifyForm(CodeForm):
    code = forms.CharField(
        label="Code from your authenticator app, or a backup code",
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "autocapitalize": "off"}
        ),
    )


class PasswordCheckForm(forms.Form):
    """Asks for the current password before something that cannot be undone."""

    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError("That is not your current password. Please try again.")
        return password


class AccountDeleteForm(PasswordCheckForm):
    confirm = forms.BooleanField(
        label="I understand that this deletes my account and cannot be undone.",
        error_messages={"required": "Please tick this box to confirm."},
    )


# Admin -----------------------------------------------------------------------------------------


class UserCreationAdminForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "display_name", "role")

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if email_is_taken(email):
            raise forms.ValidationError("An account with this e-mail address already exists.")
        return email


class UserChangeAdminForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"
        field_classes: dict = {}
