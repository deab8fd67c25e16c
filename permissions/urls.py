from django.urls import path

from permissions import views

app_name = "permissions"
urlpatterns = [
    path("permissions/", views.permissions_page, name="index"),
]
