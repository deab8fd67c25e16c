"""/webhooks/whatsapp/<channel key>/: Meta's WhatsApp Cloud API webhooks."""

from django.urls import path

from contactcenter.connectors.whatsapp import views

app_name = "whatsapp"
urlpatterns = [
    path("<slug:key>/", views.webhook, name="webhook"),
    # Without the slash too: a POST cannot be redirected to the canonical URL.
    path("<slug:key>", views.webhook),
]
