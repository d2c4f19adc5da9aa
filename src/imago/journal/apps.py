from django.apps import AppConfig


class JournalConfig(AppConfig):
    name = "imago.journal"
    label = "journal"
