"""Joins the websocket URLs of the screens. The core never imports a screen except here,
where the ASGI entry point needs the full list."""

websocket_urlpatterns: list = []
