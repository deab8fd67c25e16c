"""The Users section of the configuration portal (administrators): invite, edit, ban from
receiving work (Prohibido) and lift the ban, deactivate and reactivate."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.db.models import OuterRef, QuerySet, Subquery
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from contactcenter.models import AuditEntry, Role, SystemStatus, User
from contactcenter.services import agent_states
from contactcenter.services import organizations as org_services
from permissions.config import forms
from permissions.config.views.sections import (
    Section,
    is_admin,
    object_for,
    org,
    register,
    section_for,
    sub_action,
    yes_no,
)


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
    return (User.objects.filter(**org(user)).select_related("state__status")
            .annotate(ban_reason=Subquery(last_ban.values("reason")[:1])))


def _save_user(request, user, data):
    if user is not None:
        return org_services.user_update(by=request.user, user=user, **data)
    user = org_services.user_invite(by=request.user, **data)
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


def _actions_context(request, user: User) -> dict:
    by_owner = request.user.role == Role.OWNER
    return {"banned": agent_states.is_banned(user), "ban_form": forms.BanForm(),
            "last_ban": org_services.user_last_ban(user),
            "may_act": user.role != Role.OWNER or by_owner,
            "may_deactivate": user.pk != request.user.pk and (user.role != Role.OWNER or by_owner)}


USERS = register(Section(
    key="users", title=gettext_lazy("Users"), new_label=gettext_lazy("Invite a user"),
    form=forms.UserCreateForm, edit_form=forms.UserEditForm,
    queryset=_users,
    columns=(
        (gettext_lazy("Name"), lambda u: u.display_name),
        (gettext_lazy("Username"), lambda u: u.username),
        (gettext_lazy("Role"), lambda u: u.get_role_display()),
        (gettext_lazy("Status"), _user_status),
        (pgettext_lazy("masculine", "Active"), lambda u: yes_no(u.is_active)),
    ),
    may_view=is_admin, may_manage=is_admin, may_delete=lambda user: False,
    save=_save_user, delete=None,
    extra="config/_user_actions.html", extra_context=_actions_context,
))


def _user(request, pk: int) -> User:
    return object_for(request.user, section_for(request.user, USERS.key), pk)


@login_required
@require_POST
def user_ban(request, pk):
    user = _user(request, pk)
    form = forms.BanForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""

    def ban():
        org_services.user_ban(by=request.user, user=user, reason=reason)
        return _("%(user)s is banned from receiving work until the ban is lifted here.") % {
            "user": user.display_name}

    return sub_action(request, USERS, pk, ban)


@login_required
@require_POST
def user_unban(request, pk):
    user = _user(request, pk)

    def unban():
        org_services.user_unban(by=request.user, user=user)
        return _("The ban on %(user)s was lifted.") % {"user": user.display_name}

    return sub_action(request, USERS, pk, unban)


@login_required
@require_POST
def user_deactivate(request, pk):
    user = _user(request, pk)

    def deactivate():
        org_services.user_deactivate(by=request.user, user=user)
        return _("%(user)s was deactivated: their sessions were ended.") % {"user": user.display_name}

    return sub_action(request, USERS, pk, deactivate)


@login_required
@require_POST
def user_reactivate(request, pk):
    user = _user(request, pk)

    def reactivate():
        org_services.user_reactivate(by=request.user, user=user)
        return _("%(user)s was reactivated and may sign in again.") % {"user": user.display_name}

    return sub_action(request, USERS, pk, reactivate)
