from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "imago.web"
    label = "web"
