from django.urls import path

from sanwen.fieldwork import views

urlpatterns = [
    path("", views.fieldwork_home, name="fieldwork_home"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("outbox/", views.outbox, name="outbox"),
    path("visits/", views.visit_list, name="visit_list"),
    path("visits/new/", views.visit_record, name="visit_record"),
    path("visits/<int:visit_id>/", views.visit_detail, name="visit_detail"),
    path("photos/<int:photo_id>/", views.visit_photo, name="visit_photo"),
    path("leave/", views.leave_list, name="leave_list"),
    path("leave/<int:leave_id>/decide/", views.leave_decide, name="leave_decide"),
    path("leave/<int:leave_id>/withdraw/", views.leave_withdraw, name="leave_withdraw"),
    path("quota/", views.quota_table, name="quota_table"),
    path("meetings/", views.meeting_list, name="meeting_list"),
    path("meetings/new/", views.meeting_record, name="meeting_record"),
    path("meetings/<int:meeting_id>/", views.meeting_detail, name="meeting_detail"),
    path("research/", views.research_list, name="research_list"),
    path("research/<int:research_id>/", views.research_detail, name="research_detail"),
    path("research/<int:research_id>/report/", views.research_report, name="research_report"),
    path("ledgers/", views.ledger_list, name="ledger_list"),
    path("ledgers/<int:book_id>/", views.ledger_detail, name="ledger_detail"),
    path("ledgers/<int:book_id>/export/", views.ledger_export, name="ledger_export"),
    path("notebooks/", views.notebook_list, name="notebook_list"),
    path("notebooks/mine/", views.my_notebook, name="my_notebook"),
    path("notebooks/<int:staff_id>/", views.notebook_view, name="notebook"),
]
