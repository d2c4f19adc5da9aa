from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "imago.privacy"
    label = "privacy"
    verbose_name = "Privacy and audit"
