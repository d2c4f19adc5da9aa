from django.contrib import admin

from imago.journal.models import JournalEntry


@admin.register(JournalEntry)
class JournalEntryAdmin(admin.ModelAdmin):
    """Metadata only. An operator must never read what a person wrote, so the text is left
    out of every admin page, and nothing can be added or changed from here."""

    list_display = ["pk", "author", "visibility", "created_at", "updated_at"]
    list_filter = ["visibility"]
    search_fields = ["author__email"]
    exclude = ["text"]
    fields = ["author", "couple", "visibility", "created_at", "updated_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
