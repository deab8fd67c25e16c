import hashlib
import logging
import sys
from pathlib import Path

import redis.exceptions
from django import db
from django.conf import settings
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST, require_safe

from contactcenter import health
from contactcenter.connectors import ratelimit
from contactcenter.models import AgentState
from contactcenter.services import agents as agent_services
from contactcenter.services import organizations as org_services

logger = logging.getLogger(__name__)


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


def client_address(request) -> str:
    """The client's address: the connection's, or the proxy's X-Forwarded-For with BEHIND_PROXY."""
    if settings.BEHIND_PROXY and request.META.get("HTTP_X_FORWARDED_FOR"):
        return request.META["HTTP_X_FORWARDED_FOR"].split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, rate limited per address and per e-mail. Known and unknown
    e-mails get the same answers, the limit's included."""

    def form_valid(self, form):
        limit = settings.PASSWORD_RESET_LIMIT
        email = hashlib.sha256(form.cleaned_data["email"].strip().lower().encode()).hexdigest()
        per_address = ratelimit.Limit("password-reset:address", client_address(self.request), limit, 3600)
        per_email = ratelimit.Limit("password-reset:email", email, limit, 3600)
        if ratelimit.exceeded(self.request, per_address, per_email):
            form.add_error(None, _("Too many requests for a new password. Try again in an hour."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().form_valid(form)


def login_locked_out(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login: the same for a known or an unknown username."""
    minutes = max(1, int(settings.AXES_COOLOFF_TIME.total_seconds() // 60))
    return render(request, "registration/locked_out.html", {"cooloff_minutes": minutes}, status=429)


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


# /healthz and /readyz are answered by contactcenter.middleware.health_probes, before sessions and
# the host check (they have no URL pattern).
@require_safe
@never_cache
def healthz(request):
    """Each dependency with its backend and status (and how long it took to answer); 503 when one
    is down. For people and monitoring; the proxy asks /readyz."""
    checks = health.report()
    healthy = all(check["status"] == "ok" for check in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503)


@require_safe
@never_cache
def readyz(request):
    """May the proxy send this server traffic? 503 while the database or Redis does not answer
    (within a second each), 200 otherwise. No login, no session, never cached."""
    failing = sorted(name for name, check in health.report().items() if check["status"] != "ok")
    if failing:
        return JsonResponse({"status": "unavailable", "failing": failing}, status=503)
    return JsonResponse({"status": "ready"})


@login_required
@require_GET
def media(request, path: str):
    """The organization's shared files (prerecorded messages): only its users get them."""
    prefix = f"org-{request.user.organization_id}/"
    if not request.user.organization_id or not path.startswith(prefix) or ".." in Path(path).parts:
        raise Http404
    if path.startswith(prefix + "attachments/"):
        raise Http404  # conversation files: /workspace/attachments/<id>/ checks who may see them
    full = (Path(settings.MEDIA_ROOT) / path).resolve()
    if not full.is_relative_to(Path(settings.MEDIA_ROOT).resolve()) or not full.is_file():
        raise Http404
    response = FileResponse(full.open("rb"))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; media-src 'self'; sandbox"
    return response


# --- Error pages: the base layout, translated, with the ways back to what the person may use ---


def _error_page(request, status: int, *, title: str, explanation: str, detail: str = "") -> HttpResponse:
    context = {"title": title, "explanation": explanation, "detail": detail}
    try:
        return render(request, "error.html", context, status=status)
    except Exception:  # noqa: BLE001 - the layout itself failed (e.g. the database is away)
        logger.exception("The error page could not be rendered with the layout")
        return HttpResponse(f"<!doctype html><title>{escape(title)}</title><h1>{escape(title)}</h1>"
                            f"<p>{escape(explanation)}</p><p><a href=\"/\">{escape(_('Start'))}</a></p>",
                            status=status)


def permission_denied(request, exception=None):
    # Services refuse with a message written for the person (NotAllowed); show it.
    detail = str(exception) if exception is not None and exception.args else ""
    return _error_page(request, 403, title=_("You cannot open this page"),
                       explanation=_("Your role does not give you access to it. These are the places you can go:"),
                       detail=detail)


def page_not_found(request, exception=None):
    return _error_page(request, 404, title=_("Page not found"),
                       explanation=_("It does not exist, or it belongs to something you cannot see. "
                                     "These are the places you can go:"))


def server_error(request):
    if isinstance(sys.exc_info()[1], OUTAGES):  # raised outside a view (e.g. by a middleware)
        return outage_response(request)
    return _error_page(request, 500, title=_("Something went wrong"),
                       explanation=_("The error has been recorded. Try again in a moment, or go back:"))


def csrf_failure(request, reason=""):
    return _error_page(request, 403, title=_("The form has expired"),
                       explanation=_("The page was open for too long or your session changed. Go back, "
                                     "reload the page and send it again."))


# --- Outages: 503, never a 500 or a debug page -------------------------------------------------------

# A shared dependency is not answering: the request cannot be served now, and may be in a moment.
OUTAGES: tuple[type[BaseException], ...] = (db.OperationalError, db.InterfaceError,
                                            redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
RETRY_AFTER_SECONDS = 30
MACHINE_PREFIXES = ("/api/", "/webhooks/", "/healthz", "/readyz")


def outage_response(request) -> HttpResponse:
    """503 with Retry-After: a short JSON body for providers and health checks, a translated page
    for people (with the layout, or a plain one when even the layout needs the database)."""
    if request.path.startswith(MACHINE_PREFIXES):
        response = JsonResponse({"error": "unavailable",
                                 "detail": "A service the contact center needs is not answering. Retry later."},
                                status=503)
    else:
        response = _error_page(request, 503, title=_("The contact center is not available right now"),
                               explanation=_("A service it needs is not answering. It will work again by "
                                             "itself: try again in a moment."))
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response
