from django.apps import AppConfig


class CouplesConfig(AppConfig):
    name = "imago.couples"
    label = "couples"
