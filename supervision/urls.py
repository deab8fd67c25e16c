from django.urls import path

from supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.overview, name="overview"),
]
