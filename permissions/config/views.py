"""/config/: the configuration portal.

Most sections are a list with a form: the same four views serve all of them, driven by a
`Section` that says what to list, which form to show, who may see and change it, and which
service saves and deletes. Sections with more than that (queue members, agent skill levels,
users' ban and deactivation, campaign imports, business hours' days) add small views below.

Every form is a plain post (redirect back with a message) that htmx upgrades: with htmx the
view answers with the "section" partial of the same page.
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from contactcenter.connectors.webchat.snippet import embed_snippet
from contactcenter.models import (
    AgentSkill,
    AuditEntry,
    BusinessHours,
    BusinessHoursInterval,
    CampaignContact,
    CannedResponse,
    Channel,
    Disposition,
    Holiday,
    PrerecordedMessage,
    Queue,
    QueueMembership,
    Role,
    Skill,
    StatusDefinition,
    SystemStatus,
    Tag,
    User,
)
from contactcenter.services import agent_states, config, policies
from contactcenter.services.errors import DomainError, NotAllowed
from permissions.access import require_org_user
from permissions.config import forms

PAGE = "config/section.html"


def _org(user: User) -> dict:
    return {"organization_id": user.organization_id}


def _is_admin(user: User) -> bool:
    return policies.can_manage_permissions(user)


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    new_label: str
    form: type
    queryset: Callable[[User], QuerySet]
    # (column heading, value of an object) for the list
    columns: tuple[tuple[str, Callable], ...]
    may_view: Callable[[User], bool]
    may_manage: Callable[[User], bool]
    # save(request, object or None, cleaned data) -> object; delete(user, object) -> "deleted"/"deactivated"
    save: Callable
    delete: Callable
    may_create: Callable[[User], bool] | None = None
    may_delete: Callable[[User], bool] | None = None
    edit_form: type | None = None
    extra: str = ""  # a template included under the edit form
    multipart: bool = False
    help: str = ""
    # what the delete button asks before it deletes an object (htmx's confirmation)
    confirm: Callable | None = None

    def confirm_delete(self, obj) -> str:
        return self.confirm(obj) if self.confirm else _("Delete it?")

    def allows_create(self, user: User) -> bool:
        return (self.may_create or self.may_manage)(user)

    def allows_delete(self, user: User) -> bool:
        return (self.may_delete or self.may_manage)(user)


def _yes_no(value: bool) -> str:
    return _("Yes") if value else _("No")


def _channel_confirm(channel: Channel) -> str:
    """Say what deleting a channel does: a live web chat stops working for customers."""
    in_use = channel.conversations.exists()
    if channel.kind == Channel.Kind.WEBCHAT and channel.is_active:
        if in_use:
            return _("The chat page stops working for customers. The channel is deactivated, not deleted, "
                     "because conversations refer to it. Continue?")
        return _("The chat page stops working for customers and the channel is deleted. Continue?")
    if in_use:
        return _("Conversations refer to this channel, so it is deactivated, not deleted. Continue?")
    return _("Delete it?")


def _user_status(user: User) -> str:
    """The user's status; for a ban, also its reason."""
    if not hasattr(user, "state"):
        return ""
    label = user.state.status.label
    if user.state.status.code == SystemStatus.BANNED and user.ban_reason:
        return f"{label}: {user.ban_reason}"
    return label


def _users(user: User) -> QuerySet:
    last_ban = AuditEntry.objects.filter(target_user=OuterRef("pk"), action="agent.ban").order_by("-created_at", "-pk")
    return (User.objects.filter(**_org(user)).select_related("state__status")
            .annotate(ban_reason=Subquery(last_ban.values("reason")[:1])))


def _save_user(request, user, data):
    if user is not None:
        return config.user_update(by=request.user, user=user, **data)
    user = config.user_invite(by=request.user, **data)
    if not data.get("password"):
        _send_invitation(request, user)
    return user


def _send_invitation(request, user: User) -> None:
    """An email with a link to choose a password (Django's password-reset confirmation page)."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = request.build_absolute_uri(reverse("password_reset_confirm", args=[uid, token]))
    context = {"user": user, "link": link, "organization": request.user.organization, "by": request.user}
    send_mail(
        subject=_("You are invited to %(organization)s") % {"organization": request.user.organization.name},
        message=render_to_string("config/invitation_email.txt", context, request=request),
        from_email=None,
        recipient_list=[user.email],
    )


SECTIONS: dict[str, Section] = {
    section.key: section
    for section in [
        Section(
            key="queues", title=gettext_lazy("Queues"), new_label=gettext_lazy("New queue"), form=forms.QueueForm,
            queryset=lambda user: policies.supervised_queues(user).prefetch_related("required_skills"),
            columns=(
                (gettext_lazy("Name"), lambda q: q.name),
                (gettext_lazy("Kind"), lambda q: q.get_kind_display()),
                (gettext_lazy("Routing strategy"), lambda q: q.get_strategy_display()),
                (gettext_lazy("Capacity"), lambda q: q.effective_capacity),
                (gettext_lazy("After service"), lambda q: f"{q.after_service_seconds} s"),
                (gettext_lazy("Active"), lambda q: _yes_no(q.is_active)),
            ),
            may_view=policies.can_view_queue_settings, may_manage=policies.can_manage_queue_settings,
            may_create=_is_admin, may_delete=_is_admin,
            save=lambda request, obj, data: config.queue_save(by=request.user, queue=obj, **data),
            delete=lambda user, obj: config.queue_delete(by=user, queue=obj),
            extra="config/_queue_members.html",
        ),
        Section(
            key="skills", title=gettext_lazy("Skills"), new_label=gettext_lazy("New skill"), form=forms.SkillForm,
            queryset=lambda user: Skill.objects.filter(**_org(user)).annotate(agents=Count("agent_skills")),
            columns=((gettext_lazy("Name"), lambda s: s.name), (gettext_lazy("Agents"), lambda s: s.agents)),
            may_view=policies.can_view_skills, may_manage=policies.can_manage_skills,
            save=lambda request, obj, data: config.skill_save(by=request.user, skill=obj, **data),
            delete=lambda user, obj: config.skill_delete(by=user, skill=obj),
            extra="config/_skill_agents.html",
        ),
        Section(
            key="pause-reasons", title=gettext_lazy("Pause reasons"), new_label=gettext_lazy("New pause reason"),
            form=forms.PauseReasonForm,
            queryset=lambda user: StatusDefinition.objects.filter(**_org(user), kind=StatusDefinition.Kind.PAUSE),
            columns=(
                (gettext_lazy("Name"), lambda s: s.name),
                (gettext_lazy("Maximum minutes"), lambda s: s.max_minutes or _("No limit")),
                (pgettext_lazy("masculine", "Active"), lambda s: _yes_no(s.is_active)),
            ),
            may_view=policies.can_view_pause_reasons, may_manage=policies.can_manage_pause_reasons,
            save=lambda request, obj, data: config.pause_reason_save(by=request.user, reason=obj, **data),
            delete=lambda user, obj: config.pause_reason_delete(by=user, reason=obj),
        ),
        Section(
            key="dispositions", title=gettext_lazy("Dispositions"), new_label=gettext_lazy("New disposition"),
            form=forms.DispositionForm,
            queryset=lambda user: Disposition.objects.filter(**_org(user)),
            columns=(
                (gettext_lazy("Name"), lambda d: d.name),
                (gettext_lazy("Reschedules the contact"), lambda d: _yes_no(d.reschedules)),
                (gettext_lazy("Active"), lambda d: _yes_no(d.is_active)),
            ),
            may_view=policies.can_view_queue_settings, may_manage=policies.can_manage_queue_settings,
            save=lambda request, obj, data: config.disposition_save(by=request.user, disposition=obj, **data),
            delete=lambda user, obj: config.disposition_delete(by=user, disposition=obj),
            help=gettext_lazy("Call dispositions apply only to queues with after-service time."),
        ),
        Section(
            key="tags", title=gettext_lazy("Tags"), new_label=gettext_lazy("New tag"), form=forms.TagForm,
            queryset=lambda user: Tag.objects.filter(**_org(user)).annotate(uses=Count("conversations")),
            columns=((gettext_lazy("Name"), lambda t: t.name), (gettext_lazy("Conversations"), lambda t: t.uses)),
            may_view=policies.can_access_config, may_manage=config.may_manage_tags,
            may_create=config.may_create_tags,
            save=lambda request, obj, data: config.tag_save(by=request.user, tag=obj, **data),
            delete=lambda user, obj: config.tag_delete(by=user, tag=obj),
        ),
        Section(
            key="canned", title=gettext_lazy("Canned responses"), new_label=gettext_lazy("New canned response"),
            form=forms.CannedForm,
            queryset=lambda user: CannedResponse.objects.filter(**_org(user), owner__isnull=True),
            columns=(
                (gettext_lazy("Shortcut"), lambda c: f"/{c.shortcut}"),
                (gettext_lazy("Title"), lambda c: c.title),
                (gettext_lazy("Text"), lambda c: c.body[:80]),
            ),
            may_view=policies.can_access_config, may_manage=config.may_manage_canned,
            save=lambda request, obj, data: config.canned_save(by=request.user, canned=obj, **data),
            delete=lambda user, obj: config.canned_delete(by=user, canned=obj),
            help=gettext_lazy("Public responses, shared by the organization. Agents keep their personal ones "
                              "in the workspace."),
        ),
        Section(
            key="prerecorded", title=gettext_lazy("Pre-recorded messages"),
            new_label=gettext_lazy("New pre-recorded message"), form=forms.PrerecordedForm,
            queryset=lambda user: PrerecordedMessage.objects.filter(**_org(user)),
            columns=((gettext_lazy("Name"), lambda p: p.name), (gettext_lazy("Created"), lambda p: p.created_at)),
            may_view=policies.can_access_config, may_manage=config.may_manage_prerecorded,
            save=lambda request, obj, data: config.prerecorded_save(by=request.user, message=obj, **data),
            delete=lambda user, obj: config.prerecorded_delete(by=user, message=obj),
            extra="config/_prerecorded_audio.html", multipart=True,
        ),
        Section(
            key="channels", title=gettext_lazy("Channels"), new_label=gettext_lazy("New channel"),
            form=forms.ChannelForm,
            queryset=lambda user: Channel.objects.filter(**_org(user)).select_related("queue"),
            columns=(
                (gettext_lazy("Name"), lambda c: c.name),
                (gettext_lazy("Kind"), lambda c: c.get_kind_display()),
                (gettext_lazy("Queue"), lambda c: c.queue.name),
                (pgettext_lazy("masculine", "Active"), lambda c: _yes_no(c.is_active)),
            ),
            may_view=_is_admin, may_manage=_is_admin, confirm=_channel_confirm,
            save=lambda request, obj, data: config.channel_save(by=request.user, channel=obj, **data),
            delete=lambda user, obj: config.channel_delete(by=user, channel=obj),
            extra="config/_channel_details.html",
        ),
        Section(
            key="users", title=gettext_lazy("Users"), new_label=gettext_lazy("Invite a user"),
            form=forms.UserCreateForm, edit_form=forms.UserEditForm,
            queryset=_users,
            columns=(
                (gettext_lazy("Name"), lambda u: u.display_name),
                (gettext_lazy("Username"), lambda u: u.username),
                (gettext_lazy("Role"), lambda u: u.get_role_display()),
                (gettext_lazy("Status"), _user_status),
                (pgettext_lazy("masculine", "Active"), lambda u: _yes_no(u.is_active)),
            ),
            may_view=_is_admin, may_manage=_is_admin, may_delete=lambda user: False,
            save=_save_user, delete=None,
            extra="config/_user_actions.html",
        ),
        Section(
            key="business-hours", title=gettext_lazy("Business hours"), new_label=gettext_lazy("New business hours"),
            form=forms.BusinessHoursForm,
            queryset=lambda user: BusinessHours.objects.filter(**_org(user)).annotate(queue_count=Count("queues")),
            columns=((gettext_lazy("Name"), lambda b: b.name), (gettext_lazy("Queues"), lambda b: b.queue_count)),
            may_view=policies.can_view_queue_settings, may_manage=policies.can_manage_queue_settings,
            save=lambda request, obj, data: config.business_hours_save(by=request.user, hours=obj, **data),
            delete=lambda user, obj: config.business_hours_delete(by=user, hours=obj),
            extra="config/_business_hours_days.html",
        ),
    ]
}


# --- Access ----------------------------------------------------------------------------------------


def _portal(user: User) -> None:
    require_org_user(user)
    if not policies.can_access_config(user):
        raise PermissionDenied


def _section(user: User, key: str) -> Section:
    _portal(user)
    section = SECTIONS.get(key)
    if section is None:
        raise Http404
    if not section.may_view(user):
        raise PermissionDenied
    return section


def _object(user: User, section: Section, pk: int):
    """The object of the section, in the user's organization (and queues they supervise), or 404."""
    obj = section.queryset(user).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied


def _nav(user: User) -> list[tuple[str, str]]:
    items = [(s.title, reverse("config:section", args=[s.key])) for s in SECTIONS.values() if s.may_view(user)]
    if policies.can_view_queue_settings(user):
        items.insert(1, (gettext_lazy("Campaign contact lists"), reverse("config:campaigns")))
    return items


# --- The generic section pages ---------------------------------------------------------------------


def _form_class(section: Section, obj):
    return section.edit_form if obj is not None and section.edit_form else section.form


def _blank_form(section: Section, obj, user: User):
    form_class = _form_class(section, obj)
    if obj is None:
        return form_class(organization=user.organization)
    # Model forms write into their instance while validating: they get a copy, so a rejected
    # edit never changes the object the page shows next to it.
    return form_class(instance=copy.copy(obj), organization=user.organization)


def _page(request, section: Section, *, obj=None, form=None, status=200):
    user = request.user
    rows = [(item, [value(item) for _label, value in section.columns], section.confirm_delete(item))
            for item in section.queryset(user)]
    may_edit = section.allows_create(user) if obj is None else section.may_manage(user)
    context = {
        "section": section,
        "nav": _nav(user),
        "rows": rows,
        "headings": [label for label, _value in section.columns],
        "obj": obj,
        "form": form or _blank_form(section, obj, user),
        "may_edit": may_edit,
        "may_manage": section.may_manage(user),
        "may_create": section.allows_create(user),
        "may_delete": section.delete is not None and section.allows_delete(user),
        "action": reverse("config:edit", args=[section.key, obj.pk]) if obj else reverse(
            "config:section", args=[section.key]),
    }
    if obj is not None and section.extra:
        context.update(_extra_context(request, section, obj))
    # htmx swaps only successful answers: a form with errors is a 200 for htmx, a 422 otherwise.
    if status == 422 and request.htmx:
        status = 200
    return render(request, PAGE + "#section" if request.htmx else PAGE, context, status=status)


def _done(request, section: Section, message: str, obj=None):
    """After a successful write: the fresh page (htmx) or a redirect to it."""
    messages.success(request, message)
    url = reverse("config:edit", args=[section.key, obj.pk]) if obj else reverse("config:section", args=[section.key])
    if request.htmx:
        response = _page(request, section, obj=obj)
        response["HX-Push-Url"] = url
        return response
    return redirect(url)


def _raise_if_not_allowed(exc: DomainError) -> None:
    """A refusal of the rules is shown on the page; a refusal of permission is a 403."""
    if isinstance(exc, NotAllowed):
        raise PermissionDenied(exc.message)


@login_required
def index(request):
    _portal(request.user)
    return render(request, "config/index.html", {"nav": _nav(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def section_list(request, key):
    """The list and the new-item form; a post creates."""
    section = _section(request.user, key)
    if request.method == "GET":
        return _page(request, section)
    _require(section.allows_create(request.user))
    form = section.form(request.POST, request.FILES, organization=request.user.organization)
    if not form.is_valid():
        return _page(request, section, form=form, status=422)
    try:
        obj = section.save(request, None, form.cleaned_data)
    except DomainError as exc:
        _raise_if_not_allowed(exc)
        form.add_error(None, exc.message)
        return _page(request, section, form=form, status=422)
    return _done(request, section, _("“%(name)s” was created.") % {"name": obj}, obj)


@login_required
@require_http_methods(["GET", "POST"])
def section_edit(request, key, pk):
    section = _section(request.user, key)
    obj = _object(request.user, section, pk)
    if request.method == "GET":
        return _page(request, section, obj=obj)
    _require(section.may_manage(request.user))
    form_class = _form_class(section, obj)
    form = form_class(request.POST, request.FILES, instance=copy.copy(obj), organization=request.user.organization)
    if not form.is_valid():
        return _page(request, section, obj=obj, form=form, status=422)
    try:
        obj = section.save(request, obj, form.cleaned_data)
    except DomainError as exc:
        _raise_if_not_allowed(exc)
        form.add_error(None, exc.message)
        return _page(request, section, obj=_object(request.user, section, pk), form=form, status=422)
    return _done(request, section, _("The changes to “%(name)s” were saved.") % {"name": obj}, obj)


@login_required
@require_POST
def section_delete(request, key, pk):
    section = _section(request.user, key)
    obj = _object(request.user, section, pk)
    _require(section.delete is not None and section.allows_delete(request.user))
    try:
        result = section.delete(request.user, obj)
    except DomainError as exc:
        _raise_if_not_allowed(exc)
        messages.error(request, exc.message)
        if request.htmx:
            return _page(request, section, obj=obj)
        return redirect("config:edit", key, pk)
    if result == config.DEACTIVATED:
        message = _("“%(name)s” is referred to by past work, so it was deactivated instead of deleted.")
    else:
        message = _("“%(name)s” was deleted.")
    return _done(request, section, message % {"name": obj})


# --- Section extras: what an edit page shows under its form -----------------------------------------


def _extra_context(request, section: Section, obj) -> dict:
    user, organization = request.user, request.user.organization
    if section.key == "queues":
        members = obj.memberships.select_related("user").order_by("role", "position", "id")
        return {"members": members, "member_form": forms.MemberForm(organization=organization),
                "may_members": config.can_manage_members(user, obj)}
    if section.key == "skills":
        return {"agent_skills": obj.agent_skills.select_related("agent").order_by("agent__username"),
                "agent_skill_form": forms.AgentSkillForm(organization=organization)}
    if section.key == "users":
        user_is_owner = user.role == Role.OWNER
        return {"banned": agent_states.is_banned(obj), "ban_form": forms.BanForm(),
                "last_ban": config.last_ban(obj),
                "may_act": obj.role != Role.OWNER or user_is_owner,
                "may_deactivate": obj.pk != user.pk and (obj.role != Role.OWNER or user_is_owner)}
    if section.key == "channels":
        return {"snippet": _embed_snippet(obj, request)}
    if section.key == "business-hours":
        return {"intervals": obj.intervals.all(), "holidays": obj.holidays.all(),
                "interval_form": forms.IntervalForm(), "holiday_form": forms.HolidayForm()}
    return {}


def _embed_snippet(channel: Channel, request) -> str:
    return embed_snippet(channel, request) if channel.kind == Channel.Kind.WEBCHAT else ""


def _back(request, key: str, pk: int, message: str = "", error: str = ""):
    if message:
        messages.success(request, message)
    if error:
        messages.error(request, error)
    section = SECTIONS[key]
    if request.htmx:
        return _page(request, section, obj=_object(request.user, section, pk))
    return redirect("config:edit", key, pk)


def _sub_action(request, key: str, pk: int, action: Callable[[], str]):
    """Run a service call of an edit page's extra part and go back to the page."""
    try:
        message = action()
    except DomainError as exc:
        _raise_if_not_allowed(exc)
        return _back(request, key, pk, error=exc.message)
    return _back(request, key, pk, message=message)


def _invalid(form) -> str:
    return " ".join(str(error) for errors in form.errors.values() for error in errors)


# Queue members


@login_required
@require_POST
def member_add(request, pk):
    queue = _object(request.user, _section(request.user, "queues"), pk)
    form = forms.MemberForm(request.POST, organization=request.user.organization)
    if not form.is_valid():
        return _back(request, "queues", pk, error=_invalid(form))

    def add():
        membership = config.member_add(by=request.user, queue=queue, **form.cleaned_data)
        return _("%(user)s was added to %(queue)s as %(role)s.") % {
            "user": membership.user.display_name, "queue": queue.name, "role": membership.get_role_display()}

    return _sub_action(request, "queues", pk, add)


def _membership(request, pk: int, membership_id: int) -> QueueMembership:
    queue = _object(request.user, _section(request.user, "queues"), pk)
    membership = queue.memberships.select_related("user", "queue").filter(pk=membership_id).first()
    if membership is None:
        raise Http404
    return membership


@login_required
@require_POST
def member_remove(request, pk, membership_id):
    membership = _membership(request, pk, membership_id)

    def remove():
        config.member_remove(by=request.user, membership=membership)
        return _("%(user)s is no longer a member of %(queue)s.") % {
            "user": membership.user.display_name, "queue": membership.queue.name}

    return _sub_action(request, "queues", pk, remove)


@login_required
@require_POST
def member_move(request, pk, membership_id):
    membership = _membership(request, pk, membership_id)
    up = request.POST.get("direction") != "down"

    def move():
        config.member_move(by=request.user, membership=membership, up=up)
        return _("The order of %(queue)s was saved.") % {"queue": membership.queue.name}

    return _sub_action(request, "queues", pk, move)


# Agent skill levels


@login_required
@require_POST
def agent_skill_set(request, pk):
    skill = _object(request.user, _section(request.user, "skills"), pk)
    form = forms.AgentSkillForm(request.POST, organization=request.user.organization)
    if not form.is_valid():
        return _back(request, "skills", pk, error=_invalid(form))

    def assign():
        config.agent_skill_set(by=request.user, skill=skill, **form.cleaned_data)
        return _("%(agent)s has %(skill)s at level %(level)s.") % {
            "agent": form.cleaned_data["agent"].display_name, "skill": skill.name,
            "level": form.cleaned_data["level"]}

    return _sub_action(request, "skills", pk, assign)


@login_required
@require_POST
def agent_skill_remove(request, pk, agent_skill_id):
    skill = _object(request.user, _section(request.user, "skills"), pk)
    agent_skill = AgentSkill.objects.filter(skill=skill, pk=agent_skill_id).select_related("agent", "skill").first()
    if agent_skill is None:
        raise Http404

    def remove():
        config.agent_skill_remove(by=request.user, agent_skill=agent_skill)
        return _("%(agent)s no longer has %(skill)s.") % {"agent": agent_skill.agent.display_name,
                                                           "skill": skill.name}

    return _sub_action(request, "skills", pk, remove)


# Users: ban (Prohibido), lift the ban, deactivate


@login_required
@require_POST
def user_ban(request, pk):
    user = _object(request.user, _section(request.user, "users"), pk)
    form = forms.BanForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def ban():
        config.user_ban(by=request.user, user=user, reason=reason)
        return _("%(user)s is banned from receiving work until the ban is lifted here.") % {
            "user": user.display_name}

    return _sub_action(request, "users", pk, ban)


@login_required
@require_POST
def user_unban(request, pk):
    user = _object(request.user, _section(request.user, "users"), pk)

    def unban():
        config.user_unban(by=request.user, user=user)
        return _("The ban on %(user)s was lifted.") % {"user": user.display_name}

    return _sub_action(request, "users", pk, unban)


@login_required
@require_POST
def user_deactivate(request, pk):
    user = _object(request.user, _section(request.user, "users"), pk)

    def deactivate():
        config.user_deactivate(by=request.user, user=user)
        return _("%(user)s was deactivated: their sessions were ended.") % {"user": user.display_name}

    return _sub_action(request, "users", pk, deactivate)


@login_required
@require_POST
def user_reactivate(request, pk):
    user = _object(request.user, _section(request.user, "users"), pk)

    def reactivate():
        config.user_reactivate(by=request.user, user=user)
        return _("%(user)s was reactivated and may sign in again.") % {"user": user.display_name}

    return _sub_action(request, "users", pk, reactivate)


# Business hours: days and holidays


@login_required
@require_POST
def business_hours_interval_add(request, pk):
    hours = _object(request.user, _section(request.user, "business-hours"), pk)
    form = forms.IntervalForm(request.POST)
    if not form.is_valid():
        return _back(request, "business-hours", pk, error=_invalid(form))

    def add():
        interval = config.business_hours_interval_add(by=request.user, hours=hours, **form.cleaned_data)
        return _("%(interval)s was added.") % {"interval": interval}

    return _sub_action(request, "business-hours", pk, add)


@login_required
@require_POST
def business_hours_holiday_add(request, pk):
    hours = _object(request.user, _section(request.user, "business-hours"), pk)
    form = forms.HolidayForm(request.POST)
    if not form.is_valid():
        return _back(request, "business-hours", pk, error=_invalid(form))

    def add():
        holiday = config.business_hours_holiday_add(by=request.user, hours=hours, **form.cleaned_data)
        return _("%(holiday)s was added.") % {"holiday": holiday}

    return _sub_action(request, "business-hours", pk, add)


@login_required
@require_POST
def business_hours_part_remove(request, pk, kind, part_id):
    hours = _object(request.user, _section(request.user, "business-hours"), pk)
    model = {"interval": BusinessHoursInterval, "holiday": Holiday}.get(kind)
    part = model.objects.filter(hours=hours, pk=part_id).first() if model else None
    if part is None:
        raise Http404

    def remove():
        config.business_hours_part_remove(by=request.user, part=part)
        return _("%(part)s was removed.") % {"part": part}

    return _sub_action(request, "business-hours", pk, remove)


# --- Campaign contact lists -----------------------------------------------------------------------


def _campaigns(user: User) -> QuerySet:
    return policies.supervised_queues(user).filter(kind=Queue.Kind.CAMPAIGN)


def _campaign_access(user: User) -> None:
    _portal(user)
    _require(policies.can_view_queue_settings(user))


@login_required
def campaigns(request):
    _campaign_access(request.user)
    waiting = Q(campaign_contacts__status__in=CampaignContact.WAITING_STATUSES)
    items = _campaigns(request.user).annotate(total=Count("campaign_contacts"),
                                              waiting=Count("campaign_contacts", filter=waiting))
    return render(request, "config/campaigns.html", {"nav": _nav(request.user), "campaigns": items})


@login_required
@require_http_methods(["GET", "POST"])
def campaign(request, pk):
    _campaign_access(request.user)
    queue = _campaigns(request.user).filter(pk=pk).first()
    if queue is None:
        raise Http404
    form, report, status = forms.CampaignImportForm(), None, 200
    if request.method == "POST":
        _require(policies.can_manage_queue_settings(request.user))
        form = forms.CampaignImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = config.campaign_import_csv(by=request.user, queue=queue, file=form.cleaned_data["file"])
            except DomainError as exc:
                _raise_if_not_allowed(exc)
                report = {"error": exc.message, "rows": getattr(exc, "rows", [])}
                status = 422
            else:
                messages.success(request, _("%(created)s contacts were imported; %(skipped)s were already in the "
                                            "campaign.") % result)
                if not request.htmx:
                    return redirect("config:campaign", pk)
                form = forms.CampaignImportForm()
        else:
            status = 422
    if status == 422 and request.htmx:
        status = 200
    context = {
        "nav": _nav(request.user), "queue": queue, "form": form, "report": report,
        "may_import": policies.can_manage_queue_settings(request.user),
        "entries": CampaignContact.objects.filter(queue=queue).select_related("contact", "last_disposition")[:200],
        "total": CampaignContact.objects.filter(queue=queue).count(),
    }
    template = "config/campaign.html"
    return render(request, template + "#campaign" if request.htmx else template, context, status=status)
