from django.contrib import admin
from django.urls import include, path

from contactcenter import views

urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
    # accounts: login, logout, password reset (Django's views, our templates)
    path("accounts/login/", views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", views.logout, name="logout"),
    path("accounts/password_reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("workspace/", include("workspace.urls")),
    path("supervision/", include("supervision.urls")),
    path("", include("permissions.urls")),
    path("config/", include("permissions.config.urls")),
    path("chat/", include("contactcenter.connectors.webchat.urls")),
    path("rate/", include("contactcenter.connectors.csat.urls")),
    path("api/v1/", include("contactcenter.connectors.api.urls")),
    path("webhooks/whatsapp/", include("contactcenter.connectors.whatsapp.urls")),
    path("media/<path:path>", views.media, name="media"),
]

handler403 = "contactcenter.views.permission_denied"
handler404 = "contactcenter.views.page_not_found"
handler500 = "contactcenter.views.server_error"
