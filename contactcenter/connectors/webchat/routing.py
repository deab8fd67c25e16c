from django.urls import path

from contactcenter.connectors.webchat.consumers import WebchatConsumer

websocket_urlpatterns = [path("ws/chat/<slug:key>/", WebchatConsumer.as_asgi())]
