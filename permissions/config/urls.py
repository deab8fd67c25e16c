"""/config/: the configuration portal."""

from django.urls import path

from permissions.config import views

app_name = "config"
urlpatterns = [
    path("", views.index, name="index"),
    # Sections with more than a list and a form
    path("queues/<int:pk>/members/", views.member_add, name="member-add"),
    path("queues/<int:pk>/members/<int:membership_id>/remove/", views.member_remove, name="member-remove"),
    path("queues/<int:pk>/members/<int:membership_id>/move/", views.member_move, name="member-move"),
    path("skills/<int:pk>/agents/", views.agent_skill_set, name="agent-skill-set"),
    path("skills/<int:pk>/agents/<int:agent_skill_id>/remove/", views.agent_skill_remove,
         name="agent-skill-remove"),
    path("users/<int:pk>/ban/", views.user_ban, name="user-ban"),
    path("users/<int:pk>/unban/", views.user_unban, name="user-unban"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("business-hours/<int:pk>/intervals/", views.business_hours_interval_add, name="interval-add"),
    path("business-hours/<int:pk>/holidays/", views.business_hours_holiday_add, name="holiday-add"),
    path("business-hours/<int:pk>/<str:kind>/<int:part_id>/remove/", views.business_hours_part_remove,
         name="hours-part-remove"),
    path("campaigns/", views.campaigns, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign, name="campaign"),
    # Every section: list and create, edit, delete
    path("<slug:key>/", views.section_list, name="section"),
    path("<slug:key>/<int:pk>/", views.section_edit, name="edit"),
    path("<slug:key>/<int:pk>/delete/", views.section_delete, name="delete"),
]
