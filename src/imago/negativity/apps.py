from django.apps import AppConfig


class NegativityConfig(AppConfig):
    name = "imago.negativity"
    label = "negativity"
    verbose_name = "30 days without put-downs"
