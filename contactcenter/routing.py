"""Joins the websocket URLs of the screens, for the ASGI entry point."""

from supervision.routing import websocket_urlpatterns as supervision_ws
from workspace.routing import websocket_urlpatterns as workspace_ws

websocket_urlpatterns = [*workspace_ws, *supervision_ws]
