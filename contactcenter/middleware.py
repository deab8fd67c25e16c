import logging

from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers

from contactcenter import views

logger = logging.getLogger(__name__)


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Staff pages speak Spanish unless the person picked another language (cookie).

    Customer-facing pages (the web chat, the rating page) follow the customer's browser language
    instead.
    """

    customer_prefixes = ("/chat/", "/rate/")

    def process_request(self, request):
        if request.path.startswith(self.customer_prefixes):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


def health_probes(get_response):
    """/healthz and /readyz answer before sessions, authentication, locale and the host check: a
    proxy probes by address (a Host that is not in ALLOWED_HOSTS), sends no cookie, and its answer
    must read nothing but the dependencies themselves."""
    probes = {"/healthz": views.healthz, "/readyz": views.readyz}

    def middleware(request):
        probe = probes.get(request.path_info)
        return probe(request) if probe else get_response(request)

    return middleware


def private_no_store(get_response):
    """Nothing shown to a logged-in person is kept by a browser or proxy cache: a shared computer
    or proxy must never show one agent's conversations to the next."""

    def middleware(request):
        response = get_response(request)
        try:
            authenticated = getattr(request, "user", None) is not None and request.user.is_authenticated
        except views.OUTAGES:  # the session could not be read: the answer is already the 503
            authenticated = True
        if authenticated:
            patch_cache_control(response, private=True, no_store=True, no_cache=True, max_age=0)
            patch_vary_headers(response, ("Cookie",))
        return response

    return middleware


class OutageMiddleware:
    """A database or Redis outage while a view runs answers 503 (never a 500 or a debug page,
    whatever DEBUG says)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, views.OUTAGES):
            logger.error("outage while serving %s: %s: %s", request.path, type(exception).__name__, exception)
            return views.outage_response(request)
        return None


def organization_time_zone(get_response):
    """Times and days are the organization's: "today", the times a page prints, the dates a form
    reads. Without an organization (a visitor, the platform's superuser) the server's zone."""

    def middleware(request):
        user = getattr(request, "user", None)
        zone = None
        try:  # the first read of the session and user: an outage here is a 503, as in a view
            if user is not None and user.is_authenticated and user.organization_id:
                zone = user.organization.zone
        except views.OUTAGES:
            return views.outage_response(request)
        with timezone.override(zone):
            return get_response(request)

    return middleware
