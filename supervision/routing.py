from django.urls import path

from supervision.consumers import SupervisionConsumer

websocket_urlpatterns = [path("ws/supervision/", SupervisionConsumer.as_asgi())]
