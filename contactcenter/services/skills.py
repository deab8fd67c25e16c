"""Skills (Habilidades) and the level each agent has in them. Routing offers a queue's work only
to agents with every skill the queue requires."""

from django.db import transaction
from django.utils.translation import gettext as _

from contactcenter.models import AgentSkill, Skill, User
from contactcenter.services import routing, writes
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError
from contactcenter.services.policies import can_manage_skills


@transaction.atomic
def skill_save(*, by: User, skill: Skill | None, name: str) -> Skill:
    """Create (`skill` None) or rename a skill."""
    writes.require(can_manage_skills(by))
    skill = skill or Skill(organization_id=by.organization_id)
    writes.check_unique(skill, _("There is already a skill named “%(name)s”.") % {"name": name},
                        name__iexact=name)
    return writes.save(by, skill, "skill", {"name": name})


@transaction.atomic
def skill_delete(*, by: User, skill: Skill) -> str:
    """Refused while an active queue requires the skill."""
    writes.require(can_manage_skills(by))
    writes.same_organization(by, skill)
    queues = list(skill.queues.filter(is_active=True).values_list("name", flat=True))
    if queues:
        raise DomainError(
            _("%(skill)s is required by the queues %(queues)s. Remove it from them first.")
            % {"skill": skill.name, "queues": ", ".join(queues)},
            code="in_use",
        )
    return writes.delete(by, skill, "skill")


@transaction.atomic
def agent_skill_set(*, by: User, skill: Skill, agent: User, level: int) -> AgentSkill:
    """Give an agent a skill at a level from 1 to 10 (or change the level)."""
    writes.require(can_manage_skills(by))
    writes.same_organization(by, skill, agent)
    if not 1 <= level <= 10:
        raise DomainError(_("The level goes from 1 to 10."), code="invalid")
    agent_skill, _created = AgentSkill.objects.update_or_create(
        agent=agent, skill=skill, defaults={"level": level, "organization_id": by.organization_id}
    )
    audit(by, "skill.assign", target_user=agent, id=skill.pk, name=skill.name, level=level)
    routing.route_for_agent_on_commit(agent.pk)  # the new skill may match waiting work now
    return agent_skill


@transaction.atomic
def agent_skill_remove(*, by: User, agent_skill: AgentSkill) -> None:
    writes.require(can_manage_skills(by))
    writes.same_organization(by, agent_skill)
    audit(by, "skill.unassign", target_user=agent_skill.agent, id=agent_skill.skill_id, name=agent_skill.skill.name)
    agent_skill.delete()
