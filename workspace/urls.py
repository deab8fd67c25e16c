from django.urls import path

from workspace import views, views_calls, views_catalog, views_conversation, views_messages

app_name = "workspace"
urlpatterns = [
    # the desk
    path("", views.index, name="index"),
    path("conversations/<int:pk>/", views.conversation, name="conversation"),
    path("conversations/<int:pk>/read/", views.conversation_read, name="conversation-read"),
    path("conversations/<int:pk>/messages/", views_messages.messages_before, name="messages"),
    path("attachments/<int:pk>/", views_messages.attachment, name="attachment"),
    # status and queues
    path("status/receive-new/", views.receive_new, name="receive-new"),
    path("status/", views.set_status, name="status"),
    path("queues/login/", views.queue_login_all, name="queue-login-all"),
    path("queues/<int:queue_id>/login/", views.queue_login, name="queue-login"),
    path("queues/<int:queue_id>/logout/", views.queue_logout, name="queue-logout"),
    # taking, assigning, answering
    path("conversations/<int:pk>/take/", views.take, name="take"),
    path("conversations/<int:pk>/assign/", views.assign, name="assign"),
    path("conversations/<int:pk>/assign/options/", views.assign_options, name="assign-options"),
    path("conversations/<int:pk>/answer/", views.offer_answer, name="answer"),
    # working a conversation
    path("conversations/<int:pk>/send/", views_messages.send_message, name="send"),
    path("conversations/<int:pk>/close/", views_conversation.close, name="close"),
    path("conversations/<int:pk>/wrapup/", views_conversation.wrapup_save, name="wrapup"),
    path("wrapup/ready/", views_conversation.wrapup_ready, name="wrapup-ready"),
    path("conversations/<int:pk>/transfer/", views_conversation.transfer, name="transfer"),
    path("conversations/<int:pk>/transfer/targets/", views_conversation.transfer_targets, name="transfer-targets"),
    path("transfers/<int:transfer_id>/answer/", views_conversation.transfer_answer, name="transfer-answer"),
    # calls and campaigns
    path("calls/", views_calls.dial, name="dial"),
    path("conversations/<int:pk>/call/play/", views_calls.call_play, name="call-play"),
    path("conversations/<int:pk>/call/simulate/<slug:event>/", views_calls.call_simulate, name="call-simulate"),
    path("conversations/<int:pk>/call/<slug:action>/", views_calls.call_action, name="call-action"),
    path("campaigns/<int:queue_id>/next/", views_calls.campaign_next, name="campaign-next"),
    path("campaigns/contacts/<int:entry_id>/call/", views_calls.campaign_call, name="campaign-call"),
    path("campaigns/contacts/<int:entry_id>/skip/", views_calls.campaign_skip, name="campaign-skip"),
    # canned responses
    path("canned/", views_catalog.canned, name="canned"),
    path("canned/<int:pk>/", views_catalog.canned_edit, name="canned-edit"),
    path("canned/<int:pk>/delete/", views_catalog.canned_delete, name="canned-delete"),
    # pre-recorded messages (where the organization lets agents manage them)
    path("prerecorded/", views_catalog.prerecorded, name="prerecorded"),
    path("prerecorded/<int:pk>/delete/", views_catalog.prerecorded_delete, name="prerecorded-delete"),
    # contact and tags
    path("conversations/<int:pk>/contact/", views_conversation.contact_edit, name="contact"),
    path("conversations/<int:pk>/contact/detail/", views_conversation.contact_detail, name="contact-detail"),
    path("conversations/<int:pk>/tags/", views_conversation.tag_add, name="tag-add"),
    path("conversations/<int:pk>/tags/<int:tag_id>/remove/", views_conversation.tag_remove, name="tag-remove"),
]
