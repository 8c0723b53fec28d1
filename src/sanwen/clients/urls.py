from django.urls import path

from sanwen.clients import views

urlpatterns = [
    path("", views.client_list, name="client_list"),
    path("export.xlsx", views.client_export, name="client_export"),
    path("new/", views.client_create, name="client_create"),
    path("import/", views.client_import, name="client_import"),
    path("import/template.xlsx", views.import_template, name="import_template"),
    path("import/<int:importrun_id>/", views.import_report, name="import_report"),
    path("import/<int:importrun_id>/errors.xlsx", views.import_errors_xlsx, name="import_errors_xlsx"),
    path("<int:household_id>/", views.client_detail, name="client_detail"),
    path("<int:household_id>/edit/", views.client_edit, name="client_edit"),
    path("<int:household_id>/reveal/", views.client_reveal, name="client_reveal"),
    path("<int:household_id>/licences/new/", views.licence_add, name="licence_add"),
    path("<int:household_id>/contracts/new/", views.contract_add, name="contract_add"),
    path("licences/<int:retaillicence_id>/renew/", views.licence_renew, name="licence_renew"),
]
