"""Organizations (tenants) and their users: set-up, the users' lifecycle (invitation, role,
deactivation, ban) and the organization's permission toggles."""

from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from contactcenter import events
from contactcenter.models import (
    NO_ANSWER_CODE,
    AgentState,
    AuditEntry,
    Organization,
    Role,
    StatusDefinition,
    StatusInterval,
    StatusSource,
    SystemStatus,
    User,
)
from contactcenter.services import agents, writes
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.policies import TOGGLES, can_manage_permissions


@transaction.atomic
def organization_create(*, name: str, slug: str, time_zone: str = "Europe/Madrid") -> Organization:
    organization = Organization.objects.create(name=name, slug=slug, time_zone=time_zone)
    organization_setup_defaults(organization=organization)
    return organization


def organization_setup_defaults(*, organization: Organization) -> None:
    """The 8 system statuses and the automatic "No answer" pause every organization has."""
    for position, status in enumerate(SystemStatus):
        StatusDefinition.objects.get_or_create(
            organization=organization,
            code=status.value,
            defaults={"kind": StatusDefinition.Kind.SYSTEM, "name": status.label, "position": position},
        )
    StatusDefinition.objects.get_or_create(
        organization=organization,
        code=NO_ANSWER_CODE,
        defaults={"kind": StatusDefinition.Kind.PAUSE, "name": _("No answer"), "position": 99},
    )


def system_status(organization_id: int, code: str) -> StatusDefinition:
    return StatusDefinition.objects.get(organization_id=organization_id, code=code)


@transaction.atomic
def user_create(
    *,
    organization: Organization,
    username: str,
    password: str | None = None,
    role: str = Role.AGENT,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    extension: str = "",
) -> User:
    user = User(
        organization=organization,
        username=username,
        role=role,
        first_name=first_name,
        last_name=last_name,
        email=email,
        extension=extension,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    user_setup_defaults(user=user)
    return user


def user_setup_defaults(*, user: User) -> AgentState | None:
    """Every organization user can work as an agent: they start Offline, with an open ledger."""
    if not user.organization_id:
        return None
    existing = AgentState.objects.filter(agent=user).first()
    if existing:
        return existing
    organization_setup_defaults(organization=user.organization)
    offline = system_status(user.organization_id, SystemStatus.OFFLINE)
    now = timezone.now()
    state = AgentState.objects.create(
        agent=user, organization_id=user.organization_id, status=offline, since=now
    )
    StatusInterval.objects.create(
        organization_id=user.organization_id,
        agent=user,
        status=offline,
        started_at=now,
        source=StatusSource.SYSTEM,
        reason="created",
    )
    return state


def user_session_ended(*, user: User, session_key: str) -> None:
    """A logout: that session's open sockets close."""
    events.publish(events.SESSION_ENDED, organization_id=user.organization_id, agent_ids=[user.pk],
                   user_id=user.pk, session_key=session_key or "")


# --- Users in the configuration portal: invitation, role, deactivation, ban -------------------------


def _check_role(by: User, role: str) -> None:
    if role not in Role.values:
        raise DomainError(_("Choose a role."), code="invalid")
    if role == Role.OWNER and by.role != Role.OWNER:
        raise NotAllowed(_("Only an owner can make someone an owner."))


def _check_may_act_on(by: User, user: User, owner_message: str) -> None:
    """Only an administrator acts on a user, and only an owner on an owner."""
    writes.require(by.is_org_admin)
    writes.same_organization(by, user)
    if user.role == Role.OWNER and by.role != Role.OWNER:
        raise NotAllowed(owner_message)


def _other_active_owners(user: User) -> bool:
    """Whether an active owner other than `user` remains (the rows are locked, so two owners
    acting on each other at once cannot both go)."""
    owners = User.objects.select_for_update().filter(organization_id=user.organization_id, role=Role.OWNER,
                                                     is_active=True)
    return any(owner.pk != user.pk for owner in owners)


@transaction.atomic
def user_invite(*, by: User, username: str, first_name: str, last_name: str, email: str, role: str,
                extension: str = "", password: str = "") -> User:
    """A new user of the organization. Without a password they receive an invitation to choose one
    (the view sends it), so an email address is then required."""
    writes.require(by.is_org_admin)
    _check_role(by, role)
    if not password and not email:
        raise DomainError(_("Give an email address to send the invitation to, or a password."), code="invalid")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError(_("The username “%(name)s” is taken.") % {"name": username}, code="duplicate")
    try:
        user = user_create(organization=by.organization, username=username, password=password or None, role=role,
                           first_name=first_name, last_name=last_name, email=email, extension=extension)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="invalid") from None
    audit(by, "user.create", target_user=user, role=role)
    return user


@transaction.atomic
def user_update(*, by: User, user: User, first_name: str, last_name: str, email: str, role: str,
                extension: str = "") -> User:
    writes.require(by.is_org_admin)
    writes.same_organization(by, user)
    if role != user.role:
        _check_role(by, role)
        if user.role == Role.OWNER and by.role != Role.OWNER:
            raise NotAllowed(_("Only an owner can change an owner's role."))
        if user.pk == by.pk:
            raise DomainError(_("You cannot change your own role."), code="own_role")
        if user.role == Role.OWNER and user.is_active and not _other_active_owners(user):
            raise DomainError(_("%(user)s is the organization's only active owner: make someone else owner first.")
                              % {"user": user.display_name}, code="last_owner")
    changed = [name for name, value in (("first_name", first_name), ("last_name", last_name),
                                        ("email", email), ("role", role), ("extension", extension))
               if getattr(user, name) != value]
    user.first_name, user.last_name, user.email, user.role, user.extension = (
        first_name, last_name, email, role, extension)
    try:
        user.full_clean(exclude=["password", "organization"], validate_unique=False)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="invalid") from None
    user.save()
    audit(by, "user.update", target_user=user, changed=changed, role=role)
    return user


@transaction.atomic
def user_deactivate(*, by: User, user: User) -> User:
    """Deactivation ends the user's work, sessions and sockets (configuration portal and Django
    admin). Only another administrator of the organization may do it, only an owner to an owner,
    and the last active owner stays."""
    if not (by.is_org_admin and by.organization_id == user.organization_id) or by.pk == user.pk:
        raise NotAllowed(_("Only another administrator of the organization can deactivate this user."))
    if user.role == Role.OWNER and by.role != Role.OWNER:
        raise NotAllowed(_("Only an owner can deactivate an owner."))
    if user.role == Role.OWNER and user.is_active and not _other_active_owners(user):
        raise DomainError(_("%(user)s is the organization's only active owner and cannot be deactivated.")
                          % {"user": user.display_name}, code="last_owner")
    if user.is_active:
        if AgentState.objects.filter(agent=user).exclude(status__code=SystemStatus.OFFLINE).exists():
            agents.agent_sign_out(agent=user, by=by, source="supervisor", reason="deactivated")
        user.is_active = False
        user.save(update_fields=["is_active"])
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
            if str(session.get_decoded().get("_auth_user_id")) == str(user.pk):
                session.delete()
        audit(by, "user.deactivate", target_user=user)
    events.publish(events.SESSION_ENDED, organization_id=user.organization_id, agent_ids=[user.pk],
                   user_id=user.pk, all_sessions=True)
    return user


@transaction.atomic
def user_reactivate(*, by: User, user: User) -> User:
    """Undo a deactivation: the user may sign in again (offline, with no queue logins)."""
    _check_may_act_on(by, user, _("Only an owner can reactivate an owner."))
    if user.is_active:
        raise DomainError(_("%(user)s is active.") % {"user": user.display_name}, code="active")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit(by, "user.reactivate", target_user=user)
    return user


def user_ban(*, by: User, user: User, reason: str = "") -> None:
    """Ban a user from receiving work: only an owner may ban an owner."""
    _check_may_act_on(by, user, _("Only an owner can ban an owner."))
    agents.agent_ban(agent=user, by=by, reason=reason)


def user_unban(*, by: User, user: User) -> None:
    """Lift a ban (only here, in the portal): only an owner may lift an owner's."""
    _check_may_act_on(by, user, _("Only an owner can lift an owner's ban."))
    agents.agent_unban(agent=user, by=by)


def user_last_ban(user: User) -> AuditEntry | None:
    """The AuditEntry of the user's latest ban: its reason, who banned and when."""
    return (AuditEntry.objects.filter(organization_id=user.organization_id, target_user=user, action="agent.ban")
            .select_related("actor").order_by("-created_at", "-pk").first())


# --- The organization's permissions ---------------------------------------------------------------


@transaction.atomic
def organization_set_permissions(*, organization: Organization, by: User, values: dict[str, bool]) -> dict[str, bool]:
    """The permissions page: set the organization policy and the role toggles. Every toggle
    that changes is one AuditEntry. Returns the changed toggles with their new value."""
    if not (by.is_superuser or (can_manage_permissions(by) and by.organization_id == organization.pk)):
        raise NotAllowed(_("Only the organization's owners and administrators can change its permissions."))
    unknown = set(values) - set(TOGGLES)
    if unknown:
        raise DomainError(_("Unknown permission: %(name)s") % {"name": ", ".join(sorted(unknown))}, code="unknown")
    locked = Organization.objects.select_for_update().get(pk=organization.pk)
    changed = {name: bool(value) for name, value in values.items() if getattr(locked, name) != bool(value)}
    if not changed:
        return {}
    for name, value in changed.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(changed))
    # The actor may be a platform superuser (no organization): the entries are the organization's.
    AuditEntry.objects.bulk_create([
        AuditEntry(organization_id=organization.pk, actor=by, action="organization.permission",
                   data={"permission": name, "value": value})
        for name, value in changed.items()
    ])
    for name, value in changed.items():
        setattr(organization, name, value)
    return changed


def audit_login_unlock(*, by: User, username: str) -> None:
    """An administrator lifted a login lockout early (Django admin): audited when the username
    is one of the organization's users."""
    user = User.objects.filter(username=username, organization_id=by.organization_id).first()
    if user is not None:
        audit(by, "login.unlocked", target_user=user)
