"""Django admin, scoped: a bureau's administrator sees and edits only their own bureau's rows."""

from django.contrib import admin
from django.db import transaction

from sanwen.core.access import Cap, has_cap, visible
from sanwen.core.audit import audit_create, audit_delete, audit_update, snapshot


class AuditedAdminMixin:
    """Changes made in the admin go to the audit trail like those made through the services."""

    def save_model(self, request, obj, form, change):
        before = snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if before is None:
                audit_create(by=request.user, obj=obj, note="admin")
            else:
                audit_update(by=request.user, obj=obj, before=before, note="admin")

    def delete_model(self, request, obj):
        with transaction.atomic():
            audit_delete(by=request.user, obj=obj, note="admin")
            super().delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        befores = {o.pk: snapshot(o) for o in formset.queryset} if formset.queryset is not None else {}
        with transaction.atomic():
            instances = formset.save(commit=False)
            for obj in formset.deleted_objects:
                audit_delete(by=request.user, obj=obj, note="admin")
                obj.delete()
            for obj in instances:
                is_new = obj.pk is None
                obj.save()
                if is_new:
                    audit_create(by=request.user, obj=obj, note="admin")
                else:
                    audit_update(by=request.user, obj=obj, before=befores.get(obj.pk, {}), note="admin")
            formset.save_m2m()


class BureauScopedAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """For models with a `bureau` field (or reached through `bureau_path`)."""

    bureau_path = "bureau"

    def _own(self, request) -> bool:
        return request.user.is_superuser and request.user.bureau_id is None

    def has_module_permission(self, request):
        return has_cap(request.user, Cap.ADMINISTER)

    def has_view_permission(self, request, obj=None):
        return has_cap(request.user, Cap.ADMINISTER)

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission

    # People, bureaus and campaigns carry the audit trail and the integrity register: they are
    # deactivated, never deleted (Django's delete page would also list the records protecting them,
    # a report about the person among them, to whoever opened it).
    deletable = True

    def has_delete_permission(self, request, obj=None):
        # Records are kept; deactivate instead. Platform operators may still delete the others.
        return self.deletable and self._own(request)

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if self.bureau_path == "bureau":
            return visible(qs, request.user)
        if self._own(request):
            return qs
        return (
            qs.filter(**{f"{self.bureau_path}_id": request.user.bureau_id})
            if request.user.bureau_id
            else qs.none()
        )

    def get_exclude(self, request, obj=None):
        excluded = list(super().get_exclude(request, obj) or [])
        if not self._own(request) and self.bureau_path == "bureau":
            excluded.append("bureau")
        return excluded

    def save_model(self, request, obj, form, change):
        if not self._own(request) and self.bureau_path == "bureau":
            obj.bureau_id = request.user.bureau_id
        super().save_model(request, obj, form, change)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        model = db_field.related_model
        if not self._own(request) and field is not None and request.user.bureau_id:
            names = {f.name for f in model._meta.get_fields()}
            if "bureau" in names:
                field.queryset = field.queryset.filter(bureau_id=request.user.bureau_id)
            elif model._meta.label == "org.Bureau":
                field.queryset = field.queryset.filter(pk=request.user.bureau_id)
        return field


class AdministeredInline:
    """Inlines of a bureau-scoped record (a campaign's rules): shown and edited by whoever administers
    the bureau (the parent page is already scoped), as the access policy says, not by Django's model
    permissions, which the roles do not grant. Rows are deactivated, not deleted, except by the
    platform operator."""

    def has_view_permission(self, request, obj=None):
        return has_cap(request.user, Cap.ADMINISTER)

    has_change_permission = has_view_permission
    has_add_permission = has_view_permission

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser and request.user.bureau_id is None
