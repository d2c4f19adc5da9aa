from django.contrib import admin

from imago.couples.models import Couple, Invitation, Membership, TherapistConnection


class MembershipInline(admin.TabularInline):
    model = Membership
    fields = ("person", "joined_at", "left_at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Couple)
class CoupleAdmin(admin.ModelAdmin):
    list_display = ("pk", "__str__", "created_at", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("created_at", "ended_at", "ended_by")
    inlines = [MembershipInline]

    # Couples are made and ended by the partners themselves, through invitations and unlinking.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    # Metadata only: the digests are useless to show, and nobody should copy them around.
    list_display = (
        "pk",
        "kind",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
        "cancelled_at",
    )
    list_filter = ("kind",)
    fields = (
        "kind",
        "created_by",
        "created_at",
        "expires_at",
        "used_at",
        "used_by",
        "cancelled_at",
    )
    readonly_fields = fields
    search_fields = ("created_by__email",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(TherapistConnection)
class TherapistConnectionAdmin(admin.ModelAdmin):
    list_display = ("pk", "couple", "therapist", "requested_at", "active_since", "ended_at")
    list_filter = (("ended_at", admin.EmptyFieldListFilter),)
    fields = (
        "couple",
        "therapist",
        "consented_by",
        "requested_at",
        "active_since",
        "ended_at",
        "ended_by",
    )
    readonly_fields = fields
    search_fields = ("therapist__email",)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
