from django.apps import AppConfig


class DialoguesConfig(AppConfig):
    name = "imago.dialogues"
    label = "dialogues"
