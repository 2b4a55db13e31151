from django.urls import path

from . import views

app_name = "estates"

urlpatterns = [
    path("", views.home, name="home"),
    path("estates/", views.estate_list, name="estate-list"),
    path("estates/<int:pk>/", views.estate_detail, name="estate-detail"),
    path("registry/", views.registry, name="registry"),
    path("registry/estates/<int:pk>/", views.estate_manage, name="estate-manage"),
    path("registry/estates/<int:pk>/import/", views.household_import, name="household-import"),
]
