from django.urls import path

from sanwen.reports import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("records/", views.records, name="report_records"),
    path("summary.docx", views.summary, name="report_summary"),
]
