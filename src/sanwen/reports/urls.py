from django.urls import path

from sanwen.reports import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="report_records"),
    path("duty/", views.dashboard_duty, name="dashboard_duty"),
    path("summary.docx", views.summary, name="report_summary"),
]
