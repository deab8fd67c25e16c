from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Staff pages speak Spanish unless the person picked another language (cookie).

    Customer-facing pages (the web chat) follow the customer's browser language instead.
    """

    customer_prefixes = ("/chat/",)

    def process_request(self, request):
        if request.path.startswith(self.customer_prefixes):
            return super().process_request(request)
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
