from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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
    from contactcenter import events

    events.publish(events.SESSION_ENDED, organization_id=user.organization_id, agent_ids=[user.pk],
                   user_id=user.pk, session_key=session_key or "")


@transaction.atomic
def user_deactivate(*, user: User, by: User) -> User:
    """Deactivation ends the user's work, sessions and sockets."""
    from django.contrib.sessions.models import Session

    from contactcenter import events
    from contactcenter.services import agents
    from contactcenter.services.errors import NotAllowed

    if not (by.is_org_admin and by.organization_id == user.organization_id) or by.pk == user.pk:
        raise NotAllowed(_("Only another administrator of the organization can deactivate this user."))
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
