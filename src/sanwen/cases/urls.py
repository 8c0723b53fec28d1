from django.urls import path

from sanwen.cases import views

urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("mine/", views.my_cases, name="my_cases"),
    path("queue/", views.queue, name="case_queue"),
    path("new/", views.case_register, name="case_register"),
    path("households/", views.household_search, name="case_household_search"),
    path("suggestions/", views.suggestions, name="suggestion_list"),
    path("deeds/", views.deeds, name="deed_list"),
    path("batches/", views.batches, name="batch_list"),
    path("batches/<int:batch_id>/", views.batch_detail, name="batch_detail"),
    path("extensions/<int:extension_id>/decide/", views.extension_decide, name="extension_decide"),
    path("follow-ups/<int:followup_id>/", views.follow_up_record, name="follow_up_record"),
    path("<int:case_id>/", views.case_detail, name="case_detail"),
    path("<int:case_id>/photos/<int:photo_id>/", views.case_photo, name="case_photo"),
    path("<int:case_id>/<slug:action>/", views.case_action, name="case_action"),
]
