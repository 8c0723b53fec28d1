from django.urls import path

from sanwen.notify import views

urlpatterns = [
    path("preferences/", views.preferences, name="notify_preferences"),
    path("log/", views.delivery_log, name="notify_log"),
]
