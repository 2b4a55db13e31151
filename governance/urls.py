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
]
