from django.contrib import admin

from imago.dialogues.models import Dialogue, DialogueEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Dialogue)
class DialogueAdmin(ReadOnlyAdmin):
    """Metadata only: when a dialogue was asked for, how far it got. An operator never reads
    what partners said to each other, and nothing can be changed from here."""

    list_display = ["pk", "couple", "variant", "step", "seq", "created_at", "closed_at"]
    list_filter = ["step", "variant"]
    fields = [
        "couple",
        "seat_a",
        "seat_b",
        "variant",
        "step",
        "seq",
        "created_at",
        "ready_at",
        "started_at",
        "closed_at",
        "cancelled_at",
    ]
    readonly_fields = fields


@admin.register(DialogueEvent)
class DialogueEventAdmin(ReadOnlyAdmin):
    """Which turn happened when, never its words."""

    list_display = ["pk", "dialogue", "seq", "action", "actor", "at"]
    list_filter = ["action"]
    exclude = ["text"]
    fields = ["dialogue", "seq", "action", "actor", "author", "at"]
    readonly_fields = fields
