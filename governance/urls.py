from django.urls import path

from . import views

app_name = "governance"

urlpatterns = [
    path("requests/", views.request_list, name="request-list"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/queue/", views.request_queue, name="request-queue"),
    path("requests/approvals/", views.request_approvals, name="request-approvals"),
    path("requests/overview/", views.request_overview, name="request-overview"),
    path("requests/<int:pk>/", views.request_detail, name="request-detail"),
    path("disputes/", views.dispute_list, name="dispute-list"),
    path("disputes/new/", views.dispute_new, name="dispute-new"),
    path("disputes/<int:pk>/", views.dispute_detail, name="dispute-detail"),
    path("notices/", views.notice_list, name="notice-list"),
    path("notices/new/", views.notice_new, name="notice-new"),
    path("notices/<int:pk>/", views.notice_detail, name="notice-detail"),
    path("notices/<int:pk>/edit/", views.notice_edit, name="notice-edit"),
    path("ratings/", views.rating_home, name="rating-home"),
    path("ratings/manage/", views.rating_manage, name="rating-manage"),
    path("ratings/companies/", views.rating_companies, name="rating-companies"),
    path("meetings/", views.meeting_list, name="meeting-list"),
    path("meetings/new/", views.meeting_new, name="meeting-new"),
    path("meetings/feed/<str:token>.ics", views.meeting_feed, name="meeting-feed"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting-detail"),
    path("meetings/<int:pk>/run/", views.meeting_run, name="meeting-run"),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting-minutes"),
    path("notifications/", views.notification_list, name="notification-list"),
    path("notifications/preferences/", views.notification_preferences, name="notification-preferences"),
]
