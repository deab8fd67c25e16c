"""/api/v1/: the signed inbound API for any provider."""

from django.urls import path

from contactcenter.connectors.api import views

app_name = "api"
urlpatterns = [
    path("channels/<slug:key>/messages", views.messages, name="messages"),
    path("channels/<slug:key>/calls", views.calls, name="calls"),
    path("channels/<slug:key>/ratings", views.ratings, name="ratings"),
    path("openapi.json", views.openapi_document, name="openapi"),
]
