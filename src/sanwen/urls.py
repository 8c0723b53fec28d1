from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from sanwen.api import v1
from sanwen.api.api import api
from sanwen.core import views as core_views
from sanwen.desk import views as desk_views
from sanwen.portal.urls import staff_urlpatterns as staff_cards

urlpatterns = [
    path("", desk_views.home, name="home"),
    path("login/", core_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/", include("sanwen.org.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("audit/", core_views.audit_list, name="audit_list"),
    path("clients/", include("sanwen.clients.urls")),
    path("cases/", include("sanwen.cases.urls")),
    path("field/", include("sanwen.fieldwork.urls")),
    path("p/", include("sanwen.portal.urls")),
    path("open311/v2/", include("sanwen.portal.open311")),
    path("accountability/", include("sanwen.accountability.urls")),
    path("reports/", include("sanwen.reports.urls")),
    path("cards/", include(staff_cards)),
    path("notifications/", desk_views.notification_list, name="notification_list"),
    path("notifications/read/", desk_views.notifications_read, name="notifications_read"),
    path("calendar/", desk_views.calendar_years, name="calendar_years"),
    path("notify/", include("sanwen.notify.urls")),
    path("api/keys/", include("sanwen.api.urls")),
    path("api/v1/", v1.urls()),
    path("api/", v1.docs_for_staff(api.urls)),
    path("admin/", admin.site.urls),
]

# A parameter a page refused (sanwen.core.params.BadParameter) says which and how to write it.
handler400 = "sanwen.desk.views.bad_request"
