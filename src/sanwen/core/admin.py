from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from sanwen.core.models import AuditEvent
from sanwen.core.permissions import Cap, has_cap

admin.site.site_header = _("Sanwen administration")
admin.site.site_title = _("Sanwen administration")
admin.site.index_title = _("Users, departments, places and campaign rules")


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: no interface edits or deletes the audit trail."""

    list_display = ("at", "actor", "action", "object_type", "object_repr", "note")
    list_filter = ("action", "object_type")
    search_fields = ("object_repr", "note", "object_id")
    date_hierarchy = "at"

    def has_module_permission(self, request):
        return has_cap(request.user, Cap.VIEW_AUDIT) and has_cap(request.user, Cap.ADMINISTER)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if request.user.is_superuser and request.user.bureau_id is None:
            return qs
        return qs.filter(bureau_id=request.user.bureau_id)
