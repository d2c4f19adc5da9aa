from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import ngettext

from imago.accounts.forms import UserChangeAdminForm, UserCreationAdminForm
from imago.accounts.models import ProfessionalProfile, User


class ProfessionalProfileInline(admin.StackedInline):
    model = ProfessionalProfile
    fk_name = "user"
    can_delete = False
    extra = 0
    readonly_fields = ["verified_at", "verified_by"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    form = UserChangeAdminForm
    add_form = UserCreationAdminForm
    # The password field uses Django's read-only widget: it names the hasher, never the hash.
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Person", {"fields": ("display_name", "role")}),
        (
            "Permissions",
            {
                "fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions"),
            },
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": (
                    "email",
                    "display_name",
                    "role",
                    "usable_password",
                    "password1",
                    "password2",
                ),
            },
        ),
    )
    readonly_fields = ["last_login", "date_joined"]
    list_display = ["email", "display_name", "role", "is_active", "date_joined"]
    list_filter = ["role", "is_active", "is_staff"]
    search_fields = ["email", "display_name"]
    ordering = ["email"]
    inlines = [ProfessionalProfileInline]


class VerifiedFilter(admin.SimpleListFilter):
    title = "verification"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("yes", "Verified"), ("no", "Not verified yet")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(verified_at__isnull=False)
        if self.value() == "no":
            return queryset.filter(verified_at__isnull=True)
        return queryset


@admin.register(ProfessionalProfile)
class ProfessionalProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "certification_level", "is_verified", "verified_at"]
    list_filter = [VerifiedFilter, "certification_level"]
    search_fields = ["user__email", "user__display_name", "credentials"]
    readonly_fields = ["verified_at", "verified_by"]
    autocomplete_fields = ["user"]
    actions = ["mark_verified"]

    @admin.display(description="role")
    def role(self, profile):
        return profile.user.get_role_display()

    @admin.display(boolean=True, description="verified")
    def is_verified(self, profile):
        return profile.verified_at is not None

    @admin.action(description="Mark as verified")
    def mark_verified(self, request, queryset):
        count = 0
        for profile in queryset.filter(verified_at__isnull=True).select_related("user"):
            profile.verify(by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%d profile marked as verified.", "%d profiles marked as verified.", count)
            % count,
            messages.SUCCESS,
        )
