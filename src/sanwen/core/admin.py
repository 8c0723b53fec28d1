from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from sanwen.core.access import Cap, has_cap, visible
from sanwen.core.models import AuditEvent

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
        # The admin reads the trail through the same policy as the audit page: no entry about a
        # record the administrator may not read (the integrity register's, for one).
        return visible(super().get_queryset(request), request.user)

    # The changes themselves are read on the audit page, where personal data is masked and a
    # confidential raiser hidden as the access policy says; the admin links there.
    exclude = ("changes",)
    readonly_fields = ("read_on_audit_page",)

    @admin.display(description=_("fields before and after"))
    def read_on_audit_page(self, obj):
        url = f"{reverse('audit_list')}?{urlencode({'type': obj.object_type, 'id': obj.object_id})}"
        return format_html('<a href="{}">{}</a>', url, _("Read on the audit page"))
