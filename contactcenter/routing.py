"""Joins the websocket URLs of the screens, for the ASGI entry point."""

from contactcenter.connectors.webchat.routing import websocket_urlpatterns as webchat_ws
from supervision.routing import websocket_urlpatterns as supervision_ws
from workspace.routing import websocket_urlpatterns as workspace_ws

websocket_urlpatterns = [*workspace_ws, *supervision_ws, *webchat_ws]
