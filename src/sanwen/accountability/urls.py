from django.urls import path

from sanwen.accountability import views

urlpatterns = [
    path("scorecard/", views.scorecard_view, name="scorecard"),
    path("scorecard/records/", views.scorecard_records, name="scorecard_records"),
    path("commitments/", views.commitment_list, name="commitment_list"),
    path("commitments/<int:commitment_id>/", views.commitment_detail, name="commitment_detail"),
    path("integrity/", views.integrity_register, name="integrity_register"),
    path("integrity/gifts/", views.gift_declare, name="gift_declare"),
    path("integrity/gifts/<int:gift_id>/handle/", views.gift_handle, name="gift_handle"),
    path("integrity/reports/new/", views.report_new, name="report_new"),
    path("integrity/reports/<int:report_id>/", views.report_detail, name="report_detail"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/export/", views.assessment_export, name="assessment_export"),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
]
