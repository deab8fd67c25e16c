"""/chat/<channel key>/: the customers' web chat."""

from django.urls import path

from contactcenter.connectors.webchat import views

app_name = "webchat"
urlpatterns = [
    path("<slug:key>/", views.chat, name="chat"),
    path("<slug:key>/start/", views.start, name="start"),
    path("<slug:key>/new/", views.restart, name="restart"),
    path("<slug:key>/send/", views.send, name="send"),
    path("<slug:key>/files/<int:attachment_id>/", views.attachment, name="attachment"),
    path("<slug:key>/transcript/", views.transcript, name="transcript"),
]
