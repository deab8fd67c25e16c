from django.urls import path

from supervision import views, views_notifications, views_report_drill, views_reports

app_name = "supervision"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("wallboard/", views.wallboard, name="wallboard"),
    path("notifications/", views_notifications.notifications, name="notifications"),
    path("audit/", views.audit, name="audit"),
    path("reports/", views_reports.reports, name="reports"),
    # the drill-down, before the tabs' <slug:tab> so that "conversations" is not taken for a tab
    path("reports/conversations/", views_report_drill.conversations, name="reports-conversations"),
    path("reports/agents/<int:agent_id>/day/", views_report_drill.agent_day, name="reports-agent-day"),
    path("reports/<slug:tab>/", views_reports.reports, name="reports-tab"),
    # queues
    path("queues/<int:queue_id>/", views.queue, name="queue"),
    path("queues/<int:queue_id>/agents/<int:agent_id>/actions/", views.queue_agent_actions, name="queue-agent-actions"),
    # agents: detail and actions
    path("conversations/<int:conversation_id>/priority/", views.conversation_priority, name="conversation-priority"),
    path("agents/<int:agent_id>/", views.agent, name="agent"),
    path("agents/<int:agent_id>/actions/", views.agent_actions, name="agent-actions"),
    path("agents/<int:agent_id>/queue-login/", views.agent_queue_login, name="agent-queue-login"),
    path("agents/<int:agent_id>/queue-logout/", views.agent_queue_logout, name="agent-queue-logout"),
    path("agents/<int:agent_id>/pause/", views.agent_pause, name="agent-pause"),
    path("agents/<int:agent_id>/resume/", views.agent_resume, name="agent-resume"),
    path("agents/<int:agent_id>/force-offline/", views.agent_force_offline, name="agent-force-offline"),
    path("agents/<int:agent_id>/end-after-service/", views.agent_end_after_service, name="agent-end-after-service"),
    # monitoring
    path("agents/<int:agent_id>/monitor/", views.monitor, name="monitor"),
    path("monitor/<int:session_id>/", views.monitor_session, name="monitor-session"),
    path("monitor/<int:session_id>/stop/", views.monitor_stop, name="monitor-stop"),
    path("monitor/<int:session_id>/conversations/<int:conversation_id>/whisper/", views.whisper, name="whisper"),
    path("monitor/<int:session_id>/conversations/<int:conversation_id>/barge/", views.barge, name="barge"),
    path("monitor/<int:session_id>/conversations/<int:conversation_id>/call/", views.call_monitor,
         name="call-monitor"),
]
