from django.urls import path

from sanwen.api import views

urlpatterns = [
    path("", views.key_list, name="api_keys"),
    path("<int:key_id>/revoke/", views.key_revoke, name="api_key_revoke"),
]
