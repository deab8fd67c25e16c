"""The catalog sections of the configuration portal: skills (and the agents' levels in them),
pause reasons, dispositions, tags, public canned responses and pre-recorded messages."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from contactcenter.models import (
    AgentSkill,
    CannedResponse,
    Disposition,
    PrerecordedMessage,
    Skill,
    StatusDefinition,
    Tag,
)
from contactcenter.services import catalog, dispositions, pause_reasons, policies, skills, tags
from permissions.config import forms
from permissions.config.views.sections import (
    Section,
    back,
    form_errors,
    object_for,
    org,
    register,
    section_for,
    sub_action,
    yes_no,
)


def _skill_agents_context(request, skill) -> dict:
    return {"agent_skills": skill.agent_skills.select_related("agent").order_by("agent__username"),
            "agent_skill_form": forms.AgentSkillForm(organization=request.user.organization)}


SKILLS = register(Section(
    key="skills", title=gettext_lazy("Skills"), new_label=gettext_lazy("New skill"), form=forms.SkillForm,
    queryset=lambda user: Skill.objects.filter(**org(user)).annotate(agents=Count("agent_skills")),
    columns=((gettext_lazy("Name"), lambda s: s.name), (gettext_lazy("Agents"), lambda s: s.agents)),
    may_view=policies.can_view_skills, may_manage=policies.can_manage_skills,
    save=lambda request, obj, data: skills.skill_save(by=request.user, skill=obj, **data),
    delete=lambda user, obj: skills.skill_delete(by=user, skill=obj),
    extra="config/_skill_agents.html", extra_context=_skill_agents_context,
))

register(Section(
    key="pause-reasons", title=gettext_lazy("Pause reasons"), new_label=gettext_lazy("New pause reason"),
    form=forms.PauseReasonForm,
    queryset=lambda user: StatusDefinition.objects.filter(**org(user), kind=StatusDefinition.Kind.PAUSE),
    columns=(
        (gettext_lazy("Name"), lambda s: s.name),
        (gettext_lazy("Maximum minutes"), lambda s: s.max_minutes or _("No limit")),
        (pgettext_lazy("masculine", "Active"), lambda s: yes_no(s.is_active)),
    ),
    may_view=policies.can_view_pause_reasons, may_manage=policies.can_manage_pause_reasons,
    save=lambda request, obj, data: pause_reasons.pause_reason_save(by=request.user, reason=obj, **data),
    delete=lambda user, obj: pause_reasons.pause_reason_delete(by=user, reason=obj),
))

register(Section(
    key="dispositions", title=gettext_lazy("Dispositions"), new_label=gettext_lazy("New disposition"),
    form=forms.DispositionForm,
    queryset=lambda user: Disposition.objects.filter(**org(user)),
    columns=(
        (gettext_lazy("Name"), lambda d: d.name),
        (gettext_lazy("Reschedules the contact"), lambda d: yes_no(d.reschedules)),
        (gettext_lazy("Active"), lambda d: yes_no(d.is_active)),
    ),
    may_view=policies.can_view_queue_settings, may_manage=policies.can_manage_queue_settings,
    save=lambda request, obj, data: dispositions.disposition_save(by=request.user, disposition=obj, **data),
    delete=lambda user, obj: dispositions.disposition_delete(by=user, disposition=obj),
    help=gettext_lazy("Call dispositions apply only to queues with after-service time."),
))

# Tags, canned responses and pre-recorded messages follow the agents' toggles (the portal's door,
# can_access_config, is checked before any section): the same predicates the services check.
register(Section(
    key="tags", title=gettext_lazy("Tags"), new_label=gettext_lazy("New tag"), form=forms.TagForm,
    queryset=lambda user: Tag.objects.filter(**org(user)).annotate(uses=Count("conversations")),
    columns=((gettext_lazy("Name"), lambda t: t.name), (gettext_lazy("Conversations"), lambda t: t.uses)),
    may_view=policies.can_access_config, may_manage=policies.can_manage_tags,
    may_create=policies.can_create_tags,
    save=lambda request, obj, data: tags.tag_save(by=request.user, tag=obj, **data),
    delete=lambda user, obj: tags.tag_delete(by=user, tag=obj),
))


def _save_canned(request, canned: CannedResponse | None, data: dict) -> CannedResponse:
    if canned is None:
        return catalog.canned_create(by=request.user, public=True, **data)
    return catalog.canned_update(by=request.user, canned=canned, **data)


register(Section(
    key="canned", title=gettext_lazy("Canned responses"), new_label=gettext_lazy("New canned response"),
    form=forms.CannedForm,
    queryset=lambda user: CannedResponse.objects.filter(**org(user), owner__isnull=True),
    columns=(
        (gettext_lazy("Shortcut"), lambda c: f"/{c.shortcut}"),
        (gettext_lazy("Title"), lambda c: c.title),
        (gettext_lazy("Text"), lambda c: c.body[:80]),
    ),
    may_view=policies.can_access_config, may_manage=policies.can_manage_public_canned,
    save=_save_canned,
    delete=lambda user, obj: catalog.canned_delete(by=user, canned=obj),
    help=gettext_lazy("Public responses, shared by the organization. Agents keep their personal ones "
                      "in the workspace."),
))

register(Section(
    key="prerecorded", title=gettext_lazy("Pre-recorded messages"),
    new_label=gettext_lazy("New pre-recorded message"), form=forms.PrerecordedForm,
    queryset=lambda user: PrerecordedMessage.objects.filter(**org(user)),
    columns=((gettext_lazy("Name"), lambda p: p.name), (gettext_lazy("Created"), lambda p: p.created_at)),
    may_view=policies.can_access_config, may_manage=policies.can_manage_prerecorded,
    save=lambda request, obj, data: catalog.prerecorded_save(by=request.user, message=obj, **data),
    delete=lambda user, obj: catalog.prerecorded_delete(by=user, message=obj),
    extra="config/_prerecorded_audio.html", multipart=True,
))


# --- Agent skill levels ---------------------------------------------------------------------------


def _skill(request, pk: int) -> Skill:
    return object_for(request.user, section_for(request.user, SKILLS.key), pk)


@login_required
@require_POST
def agent_skill_set(request, pk):
    skill = _skill(request, pk)
    form = forms.AgentSkillForm(request.POST, organization=request.user.organization)
    if not form.is_valid():
        return back(request, SKILLS, pk, error=form_errors(form))

    def assign():
        skills.agent_skill_set(by=request.user, skill=skill, **form.cleaned_data)
        return _("%(agent)s has %(skill)s at level %(level)s.") % {
            "agent": form.cleaned_data["agent"].display_name, "skill": skill.name,
            "level": form.cleaned_data["level"]}

    return sub_action(request, SKILLS, pk, assign)


@login_required
@require_POST
def agent_skill_remove(request, pk, agent_skill_id):
    skill = _skill(request, pk)
    agent_skill = AgentSkill.objects.filter(skill=skill, pk=agent_skill_id).select_related("agent", "skill").first()
    if agent_skill is None:
        raise Http404

    def remove():
        skills.agent_skill_remove(by=request.user, agent_skill=agent_skill)
        return _("%(agent)s no longer has %(skill)s.") % {"agent": agent_skill.agent.display_name,
                                                           "skill": skill.name}

    return sub_action(request, SKILLS, pk, remove)
