from django.urls import path

from sanwen.portal import views

urlpatterns = [
    path("", views.portal_index, name="portal_index"),
    path("received/", views.portal_received, name="portal_received"),
    path("track/", views.portal_track, name="portal_track"),
    path("track/rate/", views.portal_rate, name="portal_rate"),
    path("card/<str:card_code>/", views.portal_card, name="portal_card"),
    path("<slug:bureau_code>/", views.portal_home, name="portal_home"),
    path("<slug:bureau_code>/raise/", views.portal_raise, name="portal_raise"),
    path("<slug:bureau_code>/board/", views.portal_board, name="portal_board"),
    path("<slug:bureau_code>/report/", views.portal_report, name="portal_report"),
]

# Staff side (login): printable visit cards with the QR code to the portal.
staff_urlpatterns = [
    path("", views.visit_cards, name="visit_cards"),
    path("<int:staff_id>/qr.svg", views.visit_card_svg, name="visit_card_svg"),
]
