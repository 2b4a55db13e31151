from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from config import health
from estates import api as estates_api
from estates import privacy_views
from estates import views as estates_views
from governance import api as governance_api
from renovations import api as renovations_api

router = DefaultRouter()
router.register("communities", estates_api.CommunityViewSet, basename="community")
router.register("estates", estates_api.EstateViewSet, basename="estate")
router.register("buildings", estates_api.BuildingViewSet, basename="building")
router.register("units", estates_api.UnitViewSet, basename="unit")
router.register("households", estates_api.HouseholdViewSet, basename="household")
router.register("organisations", estates_api.OrganisationViewSet, basename="organisation")
router.register("requests", governance_api.ResidentRequestViewSet, basename="request")
router.register("disputes", governance_api.DisputeViewSet, basename="dispute")
router.register("notices", governance_api.NoticeViewSet, basename="notice")
router.register("rating-rounds", governance_api.RatingRoundViewSet, basename="rating-round")
router.register("meetings", governance_api.MeetingViewSet, basename="meeting")
router.register(
    r"meetings/(?P<meeting_pk>\d+)/agenda-items", governance_api.AgendaItemViewSet, basename="meeting-agenda-item"
)
router.register("action-items", governance_api.ActionItemViewSet, basename="action-item")
router.register("notifications", governance_api.NotificationViewSet, basename="notification")
router.register("projects", renovations_api.ProjectViewSet, basename="project")
_project = r"projects/(?P<project_pk>\d+)"
router.register(f"{_project}/updates", renovations_api.ProgressUpdateViewSet, basename="project-update")
router.register(f"{_project}/photos", renovations_api.ProjectPhotoViewSet, basename="project-photo")
router.register(f"{_project}/ledger", renovations_api.LedgerEntryViewSet, basename="project-ledger")
router.register(f"{_project}/inspections", renovations_api.InspectionRecordViewSet, basename="project-inspection")
router.register(f"{_project}/ballots", renovations_api.BallotViewSet, basename="project-ballot")
router.register(f"{_project}/timeline", renovations_api.ProjectEventViewSet, basename="project-event")

api_v1 = [
    path("auth/token/", estates_api.TokenView.as_view(), name="token"),
    path("auth/register/", estates_api.RegisterView.as_view(), name="register"),
    path("me/", estates_api.MeView.as_view(), name="me"),
    path("me/privacy/", privacy_views.PrivacySummaryView.as_view(), name="me-privacy"),
    path("me/contact-reads/", privacy_views.ContactReadListView.as_view(), name="me-contact-reads"),
    path("me/data/", privacy_views.PersonalDataView.as_view(), name="me-data"),
    path("me/erase/", privacy_views.EraseView.as_view(), name="me-erase"),
    path("dashboard/", estates_api.DashboardView.as_view(), name="dashboard"),
    path("", include(router.urls)),
]

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="api")),
    path("open311/v2/", include("governance.open311", namespace="open311")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="registration/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/register/", estates_views.register, name="register"),
    path("privacy/", estates_views.privacy_notice, name="privacy-notice"),
    path("accounts/privacy/", privacy_views.my_privacy, name="my-privacy"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("estates.urls")),
    path("", include("renovations.urls")),
    path("", include("governance.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
