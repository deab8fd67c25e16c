"""/rate/<signed token>/: the customers' satisfaction survey (the web chat posts here too)."""

from django.urls import path

from contactcenter.connectors.csat import views

app_name = "csat"
urlpatterns = [
    path("<str:token>/", views.rate, name="rate"),
]
