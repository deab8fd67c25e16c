from django.conf import settings
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from contactcenter.models import AgentState
from contactcenter.services import agents as agent_services
from contactcenter.services import organizations as org_services


class LoginView(auth_views.LoginView):
    """Django's login, then the agent is Online in the contact center."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = self.request.user
        if user.organization_id:
            # A user made outside the services (createsuperuser, a shell) has no agent state yet.
            org_services.user_setup_defaults(user=user)
            agent_services.agent_sign_in(agent=user)
        return response


@require_POST
def logout(request):
    """Logging out sets the agent Offline and logs them out of every queue."""
    if request.user.is_authenticated and request.user.organization_id:
        if AgentState.objects.filter(agent=request.user).exists():
            agent_services.agent_sign_out(agent=request.user)
        org_services.user_session_ended(user=request.user, session_key=request.session.session_key)
    auth_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
def home(request):
    """Land on the page the role allows: agents go straight to their workspace."""
    if request.user.is_superuser and not request.user.organization_id:
        return redirect("admin:index")
    if not request.user.is_supervising:
        return redirect("workspace:index")
    return redirect("start")


@login_required
def start(request):
    if not request.user.is_supervising:
        return redirect("workspace:index")
    return render(request, "start.html")


@require_GET
@never_cache
def healthz(request):
    checks = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means unhealthy
        checks["database"] = f"error: {exc.__class__.__name__}"
    if settings.REDIS_URL:
        try:
            import redis

            client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
            client.ping()
            client.close()
            checks["redis"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["redis"] = f"error: {exc.__class__.__name__}"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@login_required
@require_GET
def media(request, path: str):
    """Uploaded files are private: only users of the file's organization get them."""
    from pathlib import Path

    from django.http import FileResponse, Http404

    prefix = f"org-{request.user.organization_id}/"
    if not request.user.organization_id or not path.startswith(prefix) or ".." in Path(path).parts:
        raise Http404
    full = (Path(settings.MEDIA_ROOT) / path).resolve()
    if not full.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not full.is_file():
        raise Http404
    response = FileResponse(full.open("rb"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response
