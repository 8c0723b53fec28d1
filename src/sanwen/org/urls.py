from django.urls import path

from sanwen.org import views

urlpatterns = [
    path("password/", views.password_change, name="password_change"),
]
