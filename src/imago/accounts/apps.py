from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "imago.accounts"
    label = "accounts"
