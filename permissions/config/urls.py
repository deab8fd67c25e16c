"""/config/: the configuration portal."""

from django.urls import path

from permissions.config.views import business_hours, campaigns, catalog, queues, rules, schedules, sections, users

app_name = "config"
urlpatterns = [
    path("", sections.index, name="index"),
    # Sections with more than a list and a form
    path("queues/<int:pk>/members/", queues.member_add, name="member-add"),
    path("queues/<int:pk>/members/<int:membership_id>/remove/", queues.member_remove, name="member-remove"),
    path("queues/<int:pk>/members/<int:membership_id>/move/", queues.member_move, name="member-move"),
    path("skills/<int:pk>/agents/", catalog.agent_skill_set, name="agent-skill-set"),
    path("skills/<int:pk>/agents/<int:agent_skill_id>/remove/", catalog.agent_skill_remove,
         name="agent-skill-remove"),
    path("users/<int:pk>/ban/", users.user_ban, name="user-ban"),
    path("users/<int:pk>/unban/", users.user_unban, name="user-unban"),
    path("users/<int:pk>/deactivate/", users.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", users.user_reactivate, name="user-reactivate"),
    path("business-hours/<int:pk>/intervals/", business_hours.business_hours_interval_add, name="interval-add"),
    path("business-hours/<int:pk>/holidays/", business_hours.business_hours_holiday_add, name="holiday-add"),
    path("business-hours/<int:pk>/<str:kind>/<int:part_id>/remove/", business_hours.business_hours_part_remove,
         name="hours-part-remove"),
    path("campaigns/", campaigns.campaigns, name="campaigns"),
    path("schedules/", schedules.schedules, name="schedules"),
    path("schedules/assign/", schedules.assign, name="schedule-assign"),
    path("schedules/policies/", schedules.policies, name="schedule-policies"),
    path("schedules/<int:pk>/", schedules.schedule, name="schedule"),
    path("schedules/<int:pk>/delete/", schedules.schedule_delete, name="schedule-delete"),
    path("schedules/<int:pk>/shifts/<int:shift_id>/breaks/", schedules.break_add, name="schedule-break-add"),
    path("schedules/<int:pk>/breaks/<int:break_id>/remove/", schedules.break_remove, name="schedule-break-remove"),
    path("schedules/agents/<int:agent_id>/exceptions/", schedules.exception_add, name="schedule-exception-add"),
    path("schedules/agents/<int:agent_id>/exceptions/<int:exception_id>/remove/", schedules.exception_remove,
         name="schedule-exception-remove"),
    path("schedules/agents/<int:agent_id>/copy-week/", schedules.week_copy, name="schedule-week-copy"),
    path("campaigns/<int:pk>/", campaigns.campaign, name="campaign"),
    path("rules/", rules.rules, name="rules"),
    path("rules/<int:pk>/", rules.rule, name="rule"),
    path("rules/<int:pk>/enable/", rules.rule_enable, name="rule-enable"),
    path("rules/<int:pk>/delete/", rules.rule_delete, name="rule-delete"),
    # Every section: list and create, edit, delete
    path("<slug:key>/", sections.section_list, name="section"),
    path("<slug:key>/<int:pk>/", sections.section_edit, name="edit"),
    path("<slug:key>/<int:pk>/delete/", sections.section_delete, name="delete"),
]
