from django.contrib import admin

from imago.negativity.models import Challenge, DayMark, Repair


class ReadOnlyAdmin(admin.ModelAdmin):
    """Metadata only, and nothing can be added or changed from here: an operator must never
    read a private note or a repair, so those fields are left out of every admin page."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Challenge)
class ChallengeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "couple", "started_on", "days", "ended_at", "ending"]
    list_filter = ["ending"]
    fields = ["couple", "started_by", "started_on", "days", "created_at", "ended_at", "ending"]
    readonly_fields = fields


@admin.register(DayMark)
class DayMarkAdmin(ReadOnlyAdmin):
    list_display = ["pk", "challenge", "person", "day", "choice"]
    exclude = ["note"]
    fields = ["challenge", "person", "day", "choice", "created_at", "updated_at"]
    readonly_fields = fields


@admin.register(Repair)
class RepairAdmin(ReadOnlyAdmin):
    list_display = ["pk", "challenge", "author", "slip_day", "created_at"]
    exclude = ["apology", "appreciations"]
    fields = ["challenge", "author", "slip_day", "visibility", "created_at"]
    readonly_fields = fields
