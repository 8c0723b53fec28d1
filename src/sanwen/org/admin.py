from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from sanwen.core.access import Cap, has_cap
from sanwen.core.admin_scoping import AuditedAdminMixin, BureauScopedAdmin
from sanwen.core.versions import VersionedAdminMixin
from sanwen.org.models import Bureau, ContactPoint, Department, Place, Staff


@admin.register(Bureau)
class BureauAdmin(BureauScopedAdmin):
    deletable = False
    list_display = ("name", "code", "level", "parent")
    search_fields = ("name", "code")
    bureau_path = "id"
    exclude = ("path",)

    def get_queryset(self, request):
        qs = admin.ModelAdmin.get_queryset(self, request)
        if self._own(request):
            return qs
        return qs.filter(pk=request.user.bureau_id)

    def has_add_permission(self, request):
        # New bureaus are created by the platform operator (they need a tree path and an area).
        return self._own(request)

    def has_change_permission(self, request, obj=None):
        return self._own(request)


@admin.register(Department)
class DepartmentAdmin(BureauScopedAdmin, TranslationAdmin):
    # The name in three languages (traditional filled by OpenCC when left empty).
    list_display = ("name", "kind", "supervisor", "order", "active")
    list_filter = ("kind", "active")
    search_fields = ("name",)


class StaffCreationForm(UserCreationForm):
    class Meta(UserCreationForm.Meta):
        model = Staff
        fields = ("username", "name")


class StaffChangeForm(UserChangeForm):
    class Meta(UserChangeForm.Meta):
        model = Staff
        fields = "__all__"


@admin.register(Staff)
class StaffAdmin(VersionedAdminMixin, BureauScopedAdmin, UserAdmin):
    deletable = False
    form = StaffChangeForm
    add_form = StaffCreationForm
    list_display = ("username", "name", "department", "rank", "role", "title", "is_active")
    list_filter = ("role", "rank", "is_active", "department")
    search_fields = ("username", "name", "phone")
    ordering = ("department__order", "username")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Person"), {"fields": ("name", "phone", "email", "wecom_userid")}),
        (_("Post"), {"fields": ("bureau", "department", "title", "rank", "role", "is_active")}),
        (_("Last login"), {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "name", "password1", "password2")}),
        (_("Post"), {"fields": ("department", "title", "rank", "role")}),
    )
    readonly_fields = ("last_login", "date_joined")

    def get_fieldsets(self, request, obj=None):
        sets = super().get_fieldsets(request, obj)
        if self._own(request):
            return (*sets, (_("Platform"), {"fields": ("is_superuser", "is_staff")}))
        return [
            (name, {**opts, "fields": tuple(f for f in opts["fields"] if f != "bureau")})
            for name, opts in sets
        ]

    def save_model(self, request, obj, form, change):
        # Administrators get the admin site; nobody else does, whatever was ticked.
        if not self._own(request):
            obj.is_superuser = False
            obj.is_staff = obj.role == "admin"
        super().save_model(request, obj, form, change)


@admin.register(Place)
class PlaceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level",)
    search_fields = ("code", "name")
    autocomplete_fields = ("parent",)

    def has_module_permission(self, request):
        return has_cap(request.user, Cap.ADMINISTER)

    has_view_permission = has_add_permission = has_change_permission = lambda self, request, obj=None: (
        has_cap(request.user, Cap.ADMINISTER)
    )

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and request.user.bureau_id is None

    def get_queryset(self, request):
        qs = super().get_queryset(request).select_related("parent")
        if request.user.bureau_id is None:
            return qs
        area = request.user.bureau.area
        return qs.within(area.code) if area.code else qs.none()


@admin.register(ContactPoint)
class ContactPointAdmin(BureauScopedAdmin):
    list_display = ("village", "staff", "since", "until")
    list_filter = ("until",)
    autocomplete_fields = ("village",)
