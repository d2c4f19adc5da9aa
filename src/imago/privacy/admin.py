from django.contrib import admin

from imago.privacy.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: an audit log that could be edited would prove nothing."""

    list_display = ["at", "actor_label", "action", "what", "subject_label"]
    list_filter = ["action"]
    search_fields = ["actor_label", "subject_label", "what"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
