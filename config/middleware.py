"""Request plumbing that belongs to no app."""

from django.middleware.locale import LocaleMiddleware


class ItalianFirstLocaleMiddleware(LocaleMiddleware):
    """Italian unless the visitor chose otherwise with the language switch.

    The browser's Accept-Language is ignored: the network's people are Italian
    and many use browsers set up in English; English stays one click away.
    """

    def process_request(self, request):
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        super().process_request(request)
