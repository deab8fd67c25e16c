from dataclasses import dataclass

from contactcenter.models import AgentState, Conversation, Queue, QueueLogin, User


@dataclass
class AgentOverview:
    state: AgentState | None
    logged_in_queues: list[Queue]
    member_queues: list[Queue]
    assigned_count: int


def agent_overview(user: User) -> AgentOverview:
    state = AgentState.objects.select_related("status").filter(agent=user).first()
    logins = QueueLogin.objects.filter(agent=user, ended_at__isnull=True).select_related("queue")
    member_queues = list(
        Queue.objects.filter(organization_id=user.organization_id, memberships__user=user).distinct()
    )
    assigned = Conversation.objects.filter(assignee=user, status=Conversation.Status.ASSIGNED).count()
    return AgentOverview(
        state=state,
        logged_in_queues=[login.queue for login in logins],
        member_queues=member_queues,
        assigned_count=assigned,
    )
