"""Writes of the configuration portal (/config/): queues, members, skills, pause reasons,
dispositions, tags, public canned responses, pre-recorded messages, channels, users, campaign
contact lists and business hours.

Each function checks the actor may do it (the views check first; this is the second check),
validates, writes in one transaction and leaves an AuditEntry. Deleting something that is in
use is refused with the reason, or becomes a deactivation where history points to it.
"""

import csv
import datetime
import io
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contactcenter.models import (
    NO_ANSWER_CODE,
    AgentSkill,
    AgentState,
    AuditEntry,
    BusinessHours,
    BusinessHoursInterval,
    CampaignContact,
    CannedResponse,
    Channel,
    Conversation,
    Disposition,
    Holiday,
    PrerecordedMessage,
    Queue,
    QueueMembership,
    Role,
    Skill,
    StatusDefinition,
    StatusInterval,
    Tag,
    User,
)
from contactcenter.services import agents, campaigns, catalog, organizations, policies, routing, uploads
from contactcenter.services import queues as queue_services
from contactcenter.services.audit import audit
from contactcenter.services.errors import DomainError, NotAllowed
from contactcenter.services.organizations import user_create

MAX_CSV_BYTES = 2 * 1024 * 1024
DELETED, DEACTIVATED = "deleted", "deactivated"


# --- Helpers ------------------------------------------------------------------------------------


def _require(allowed: bool) -> None:
    if not allowed:
        raise NotAllowed(_("You are not allowed to change this setting."))


def _same_organization(by: User, *objects) -> None:
    """Foreign keys and many-to-many values chosen in a form must be of the actor's organization."""
    for obj in objects:
        if obj is not None and obj.organization_id != by.organization_id:
            raise DomainError(_("That item does not exist."), code="not_found")


def _check_unique(obj: Model, message: str, **lookup) -> None:
    duplicates = type(obj).objects.filter(organization_id=obj.organization_id, **lookup).exclude(pk=obj.pk)
    if duplicates.exists():
        raise DomainError(message, code="duplicate")


def _write(by: User, obj: Model, action: str, fields: dict) -> Model:
    """Set the fields, validate the model, save and audit what changed."""
    created = obj.pk is None
    obj.organization_id = by.organization_id
    changed = [name for name, value in fields.items() if created or getattr(obj, name) != value]
    for name, value in fields.items():
        setattr(obj, name, value)
    try:
        obj.full_clean(exclude=["organization"], validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        raise DomainError(" ".join(exc.messages), code="invalid") from None
    obj.save()
    audit(by, f"{action}.{'create' if created else 'update'}", queue=obj if isinstance(obj, Queue) else None,
          id=obj.pk, name=str(obj), changed=changed)
    return obj


def _delete(by: User, obj: Model, action: str, **extra) -> str:
    audit(by, f"{action}.delete", id=obj.pk, name=str(obj), **extra)
    obj.delete()
    return DELETED


def _deactivate(by: User, obj: Model, action: str, **extra) -> str:
    if obj.is_active:
        obj.is_active = False
        obj.save(update_fields=["is_active"])
        audit(by, f"{action}.deactivate", id=obj.pk, name=str(obj), **extra)
    return DEACTIVATED


# --- Queues -------------------------------------------------------------------------------------


@transaction.atomic
def queue_save(*, by: User, queue: Queue | None, required_skills=(), dispositions=(), **fields) -> Queue:
    """Create (administrators) or change (those who may manage queue settings) a queue."""
    if queue is None:
        _require(by.is_org_admin)
        queue = Queue()
    else:
        _require(policies.can_manage_queue_settings(by) and policies.user_can_supervise_queue(by, queue))
    _same_organization(by, fields.get("business_hours"), *required_skills, *dispositions)
    queue.organization_id = by.organization_id
    _check_unique(queue, _("There is already a queue named “%(name)s”.") % {"name": fields["name"]},
                  name__iexact=fields["name"])
    _write(by, queue, "queue", fields)
    queue.required_skills.set(required_skills)
    queue.dispositions.set(dispositions)
    # Skills, capacity, strategy or priority may now match waiting work to an agent: route at
    # once rather than at the next sweep.
    routing.route_queue_on_commit(queue.pk)
    return queue


@transaction.atomic
def queue_delete(*, by: User, queue: Queue) -> str:
    """A queue with open conversations stays; one with history is deactivated; else deleted."""
    _require(by.is_org_admin)
    _same_organization(by, queue)
    open_count = queue.conversations.filter(status__in=Conversation.OPEN_STATUSES).count()
    if open_count:
        raise DomainError(
            _("%(queue)s has %(count)s open conversations. Close or transfer them first.")
            % {"queue": queue.name, "count": open_count},
            code="in_use",
        )
    if queue.conversations.exists() or queue.channels.exists() or queue.campaign_contacts.exists():
        for login in queue.logins.filter(ended_at__isnull=True).select_related("agent"):
            queue_services.queue_logout(queue=queue, agent=login.agent, by=by)
        return _deactivate(by, queue, "queue")
    return _delete(by, queue, "queue")


# --- Queue members --------------------------------------------------------------------------------


def can_manage_members(user: User, queue: Queue) -> bool:
    return policies.can_manage_queue_settings(user) and policies.user_can_supervise_queue(user, queue)


def _check_members(by: User, queue: Queue) -> None:
    _require(can_manage_members(by, queue))


@transaction.atomic
def member_add(*, by: User, queue: Queue, user: User, role: str) -> QueueMembership:
    _check_members(by, queue)
    _same_organization(by, queue, user)
    if not user.is_active:
        raise DomainError(_("%(user)s is deactivated.") % {"user": user.display_name}, code="inactive")
    if role == QueueMembership.Role.SUPERVISOR and not user.is_supervising:
        raise DomainError(
            _("%(user)s has the role %(role)s: only supervisors, managers and administrators can "
              "supervise a queue.") % {"user": user.display_name, "role": user.get_role_display()},
            code="role",
        )
    if QueueMembership.objects.filter(queue=queue, user=user, role=role).exists():
        raise DomainError(_("%(user)s is already a member of %(queue)s.")
                          % {"user": user.display_name, "queue": queue.name}, code="duplicate")
    membership = queue_services.queue_member_add(queue=queue, user=user, role=role)
    audit(by, "queue.member_add", target_user=user, queue=queue, role=role)
    return membership


@transaction.atomic
def member_remove(*, by: User, membership: QueueMembership) -> None:
    _check_members(by, membership.queue)
    _same_organization(by, membership)
    queue_services.queue_member_remove(queue=membership.queue, user=membership.user, role=membership.role)
    audit(by, "queue.member_remove", target_user=membership.user, queue=membership.queue, role=membership.role)


@transaction.atomic
def member_move(*, by: User, membership: QueueMembership, up: bool) -> None:
    """One place up or down in the order sequential routing follows."""
    queue = membership.queue
    _check_members(by, queue)
    _same_organization(by, membership)
    ids = list(QueueMembership.objects.filter(queue=queue, role=membership.role).values_list("user_id", flat=True))
    index = ids.index(membership.user_id)
    other = index - 1 if up else index + 1
    if 0 <= other < len(ids):
        ids[index], ids[other] = ids[other], ids[index]
        queue_services.queue_member_reorder(queue=queue, role=membership.role, user_ids=ids)
        audit(by, "queue.member_reorder", target_user=membership.user, queue=queue, order=ids)


# --- Skills -----------------------------------------------------------------------------------------


@transaction.atomic
def skill_save(*, by: User, skill: Skill | None, name: str) -> Skill:
    _require(policies.can_manage_skills(by))
    skill = skill or Skill(organization_id=by.organization_id)
    _check_unique(skill, _("There is already a skill named “%(name)s”.") % {"name": name}, name__iexact=name)
    return _write(by, skill, "skill", {"name": name})


@transaction.atomic
def skill_delete(*, by: User, skill: Skill) -> str:
    _require(policies.can_manage_skills(by))
    _same_organization(by, skill)
    queues = list(skill.queues.filter(is_active=True).values_list("name", flat=True))
    if queues:
        raise DomainError(
            _("%(skill)s is required by the queues %(queues)s. Remove it from them first.")
            % {"skill": skill.name, "queues": ", ".join(queues)},
            code="in_use",
        )
    return _delete(by, skill, "skill")


@transaction.atomic
def agent_skill_set(*, by: User, skill: Skill, agent: User, level: int) -> AgentSkill:
    _require(policies.can_manage_skills(by))
    _same_organization(by, skill, agent)
    if not 1 <= level <= 10:
        raise DomainError(_("The level goes from 1 to 10."), code="invalid")
    agent_skill, created = AgentSkill.objects.update_or_create(
        agent=agent, skill=skill, defaults={"level": level, "organization_id": by.organization_id}
    )
    audit(by, "skill.assign", target_user=agent, id=skill.pk, name=skill.name, level=level)
    routing.route_for_agent_on_commit(agent.pk)  # the new skill may match waiting work now
    return agent_skill


@transaction.atomic
def agent_skill_remove(*, by: User, agent_skill: AgentSkill) -> None:
    _require(policies.can_manage_skills(by))
    _same_organization(by, agent_skill)
    audit(by, "skill.unassign", target_user=agent_skill.agent, id=agent_skill.skill_id, name=agent_skill.skill.name)
    agent_skill.delete()


# --- Pause reasons ------------------------------------------------------------------------------


def _check_pause_reason(by: User, reason: StatusDefinition) -> None:
    _same_organization(by, reason)
    if not reason.is_pause:
        raise DomainError(_("System statuses cannot be changed."), code="system")


@transaction.atomic
def pause_reason_save(*, by: User, reason: StatusDefinition | None, name: str, max_minutes: int | None,
                      is_active: bool = True) -> StatusDefinition:
    _require(policies.can_manage_pause_reasons(by))
    if reason is None:
        from django.utils.text import slugify

        reason = StatusDefinition(organization_id=by.organization_id, kind=StatusDefinition.Kind.PAUSE)
        base = slugify(name)[:30] or "pause"
        code, n = base, 1
        while StatusDefinition.objects.filter(organization_id=by.organization_id, code=code).exists():
            n += 1
            code = f"{base}-{n}"
        reason.code = code
        reason.position = StatusDefinition.objects.filter(
            organization_id=by.organization_id, kind=StatusDefinition.Kind.PAUSE).count()
    _check_pause_reason(by, reason)
    _check_unique(reason, _("There is already a pause reason named “%(name)s”.") % {"name": name},
                  kind=StatusDefinition.Kind.PAUSE, name__iexact=name)
    return _write(by, reason, "pause_reason", {"name": name, "max_minutes": max_minutes, "is_active": is_active})


@transaction.atomic
def pause_reason_delete(*, by: User, reason: StatusDefinition) -> str:
    """Refused while an agent is in it; deactivated once the status ledger refers to it."""
    _require(policies.can_manage_pause_reasons(by))
    _check_pause_reason(by, reason)
    if reason.code == NO_ANSWER_CODE:
        raise DomainError(_("“%(name)s” is used by the system when an agent lets an offer ring out; it "
                            "cannot be deleted.") % {"name": reason.name}, code="system")
    in_use = [state.agent.display_name for state in
              AgentState.objects.filter(status=reason).select_related("agent").order_by("agent__username")]
    if in_use:
        message = ngettext(
            "“%(name)s” is in use now by %(agents)s. Try again when this agent leaves that pause.",
            "“%(name)s” is in use now by %(agents)s. Try again when these agents leave that pause.",
            len(in_use))
        raise DomainError(message % {"name": reason.name, "agents": ", ".join(in_use)}, code="in_use")
    if StatusInterval.objects.filter(status=reason).exists() or StatusInterval.objects.filter(
            previous_status=reason).exists():
        return _deactivate(by, reason, "pause_reason")
    return _delete(by, reason, "pause_reason")


# --- Dispositions and tags --------------------------------------------------------------------------


@transaction.atomic
def disposition_save(*, by: User, disposition: Disposition | None, name: str, reschedules: bool,
                     is_active: bool = True) -> Disposition:
    _require(policies.can_manage_queue_settings(by))
    disposition = disposition or Disposition(organization_id=by.organization_id)
    _check_unique(disposition, _("There is already a disposition named “%(name)s”.") % {"name": name},
                  name__iexact=name)
    return _write(by, disposition, "disposition", {"name": name, "reschedules": reschedules,
                                                   "is_active": is_active})


@transaction.atomic
def disposition_delete(*, by: User, disposition: Disposition) -> str:
    """Refused while queues offer it (as business hours and skills in use are); conversations and
    campaign contacts keep theirs: a disposition they used is deactivated."""
    _require(policies.can_manage_queue_settings(by))
    _same_organization(by, disposition)
    queues = list(disposition.queues.order_by("name").values_list("name", flat=True))
    if queues:
        raise DomainError(_("The queues %(queues)s offer “%(name)s”. Remove it from them first.")
                          % {"queues": ", ".join(queues), "name": disposition.name}, code="in_use")
    if (Conversation.objects.filter(disposition=disposition).exists()
            or CampaignContact.objects.filter(last_disposition=disposition).exists()):
        return _deactivate(by, disposition, "disposition")
    return _delete(by, disposition, "disposition")


def may_create_tags(user: User) -> bool:
    """New tags: in the portal, whoever may open it and create tags (can_create_tags)."""
    return policies.can_access_config(user) and policies.can_create_tags(user)


def may_manage_tags(user: User) -> bool:
    """Renaming or deleting the organization's tags: administrators and owners only."""
    return policies.can_manage_permissions(user)


@transaction.atomic
def tag_save(*, by: User, tag: Tag | None, name: str, color: str) -> Tag:
    _require(may_create_tags(by) if tag is None else may_manage_tags(by))
    name = " ".join(name.split())
    tag = tag or Tag(organization_id=by.organization_id)
    _check_unique(tag, _("There is already a tag named “%(name)s”.") % {"name": name}, name__iexact=name)
    return _write(by, tag, "tag", {"name": name, "color": color})


@transaction.atomic
def tag_delete(*, by: User, tag: Tag) -> str:
    _require(may_manage_tags(by))
    _same_organization(by, tag)
    used = tag.conversations.count()
    if used:
        raise DomainError(
            _("“%(name)s” tags %(count)s conversations; deleting it would change their history.")
            % {"name": tag.name, "count": used},
            code="in_use",
        )
    return _delete(by, tag, "tag")


# --- Public canned responses and pre-recorded messages ---------------------------------------------


def may_manage_canned(user: User) -> bool:
    return policies.can_access_config(user) and policies.can_manage_public_canned(user)


@transaction.atomic
def canned_save(*, by: User, canned: CannedResponse | None, shortcut: str, title: str,
                body: str) -> CannedResponse:
    _require(may_manage_canned(by))
    shortcut = shortcut.strip().lstrip("/")
    if canned is None:
        canned = catalog.canned_create(by=by, shortcut=shortcut, title=title, body=body, public=True)
        audit(by, "canned.create", id=canned.pk, name=str(canned))
    else:
        _same_organization(by, canned)
        canned = catalog.canned_update(canned=canned, by=by, shortcut=shortcut, title=title, body=body)
        audit(by, "canned.update", id=canned.pk, name=str(canned))
    return canned


@transaction.atomic
def canned_delete(*, by: User, canned: CannedResponse) -> str:
    _require(may_manage_canned(by))
    audit(by, "canned.delete", id=canned.pk, name=str(canned))
    catalog.canned_delete(canned=canned, by=by)
    return DELETED


def may_manage_prerecorded(user: User) -> bool:
    return policies.can_access_config(user) and policies.can_manage_prerecorded(user)


def validate_audio(upload: IO[bytes]) -> uploads.ValidUpload:
    """An audio file, judged by its content (not its name or the browser's word)."""
    valid = uploads.validate_upload(upload)
    if valid.kind != "audio":
        raise DomainError(
            _("“%(name)s” is not an audio file. Upload an MP3, Ogg, WAV, M4A, AAC or WebM recording.")
            % {"name": valid.name},
            code="file_type",
        )
    return valid


@transaction.atomic
def prerecorded_save(*, by: User, message: PrerecordedMessage | None, name: str,
                     audio: IO[bytes] | None = None) -> PrerecordedMessage:
    _require(may_manage_prerecorded(by))
    valid = validate_audio(audio) if audio is not None else None
    message = message or PrerecordedMessage(organization_id=by.organization_id)
    if message.pk is None and valid is None:
        raise DomainError(_("Choose the audio file of the message."), code="file_empty")
    _check_unique(message, _("There is already a message named “%(name)s”.") % {"name": name},
                  name__iexact=name)
    previous = message.audio.name if message.pk else ""
    _write(by, message, "prerecorded", {"name": name})
    if valid is not None:
        message.audio.save(valid.name, valid.file, save=True)
        if previous:
            name_to_delete = previous
            storage = message.audio.storage
            transaction.on_commit(lambda: storage.delete(name_to_delete))
    return message


@transaction.atomic
def prerecorded_delete(*, by: User, message: PrerecordedMessage) -> str:
    _require(may_manage_prerecorded(by))
    _same_organization(by, message)
    if message.audio:
        name, storage = message.audio.name, message.audio.storage
        transaction.on_commit(lambda: storage.delete(name))
    return _delete(by, message, "prerecorded")


# --- Channels -----------------------------------------------------------------------------------


@transaction.atomic
def channel_save(*, by: User, channel: Channel | None, **fields) -> Channel:
    _require(by.is_org_admin)
    _same_organization(by, fields.get("queue"))
    channel = channel or Channel(organization_id=by.organization_id)
    if not isinstance(fields.get("settings"), dict):
        raise DomainError(_("Provider settings must be a JSON object, e.g. {\"verify_token\": \"…\"}."),
                          code="invalid")
    _check_unique(channel, _("There is already a channel named “%(name)s”.") % {"name": fields["name"]},
                  name__iexact=fields["name"])
    return _write(by, channel, "channel", fields)


@transaction.atomic
def channel_delete(*, by: User, channel: Channel) -> str:
    """Conversations keep their channel: a channel with history is deactivated."""
    _require(by.is_org_admin)
    _same_organization(by, channel)
    if channel.conversations.exists():
        return _deactivate(by, channel, "channel")
    return _delete(by, channel, "channel")


# --- Users --------------------------------------------------------------------------------------


def _check_role(by: User, role: str) -> None:
    if role not in Role.values:
        raise DomainError(_("Choose a role."), code="invalid")
    if role == Role.OWNER and by.role != Role.OWNER:
        raise NotAllowed(_("Only an owner can make someone an owner."))


@transaction.atomic
def user_invite(*, by: User, username: str, first_name: str, last_name: str, email: str, role: str,
                extension: str = "", password: str = "") -> User:
    """A new user of the organization. Without a password they receive an invitation to choose one
    (the view sends it), so an email address is then required."""
    _require(by.is_org_admin)
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
    _require(by.is_org_admin)
    _same_organization(by, user)
    if role != user.role:
        _check_role(by, role)
        if user.role == Role.OWNER and by.role != Role.OWNER:
            raise NotAllowed(_("Only an owner can change an owner's role."))
        if user.pk == by.pk:
            raise DomainError(_("You cannot change your own role."), code="own_role")
        if user.role == Role.OWNER and user.is_active and not User.objects.select_for_update().filter(
                organization_id=user.organization_id, role=Role.OWNER, is_active=True).exclude(pk=user.pk).exists():
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


def _check_may_act_on(by: User, user: User, owner_message: str) -> None:
    """Only an administrator acts on a user, and only an owner on an owner."""
    _require(by.is_org_admin)
    _same_organization(by, user)
    if user.role == Role.OWNER and by.role != Role.OWNER:
        raise NotAllowed(owner_message)


@transaction.atomic
def user_deactivate(*, by: User, user: User) -> User:
    """Deactivate a user: only an owner may deactivate an owner, and the last active owner stays."""
    _check_may_act_on(by, user, _("Only an owner can deactivate an owner."))
    owners = User.objects.select_for_update().filter(organization_id=user.organization_id, role=Role.OWNER,
                                                     is_active=True)
    if user.role == Role.OWNER and user.is_active and not [owner for owner in owners if owner.pk != user.pk]:
        raise DomainError(_("%(user)s is the organization's only active owner and cannot be deactivated.")
                          % {"user": user.display_name}, code="last_owner")
    return organizations.user_deactivate(user=user, by=by)


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


def last_ban(user: User) -> AuditEntry | None:
    """The AuditEntry of the user's latest ban: its reason, who banned and when."""
    return (AuditEntry.objects.filter(organization_id=user.organization_id, target_user=user, action="agent.ban")
            .select_related("actor").order_by("-created_at", "-pk").first())


# --- Campaign contact lists -------------------------------------------------------------------------


def _read_csv(file: IO[bytes]) -> tuple[list[dict], list[int]]:
    """The rows of a CSV file and the line of the file each row ends on (the header is line 1)."""
    data = file.read(MAX_CSV_BYTES + 1)
    if not data.strip():
        raise DomainError(_("The file is empty."), code="file_empty")
    if len(data) > MAX_CSV_BYTES:
        raise DomainError(_("The file is larger than %(max)s. Split it into smaller files.")
                          % {"max": uploads.format_size(MAX_CSV_BYTES)}, code="file_too_large")
    if b"\x00" in data:
        raise DomainError(_("This is not a CSV file: save the list as CSV (UTF-8) and try again."),
                          code="file_type")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise DomainError(_("The file is not UTF-8 text: save it as CSV (UTF-8) and try again."),
                          code="file_type") from None
    if text.lstrip().lower().startswith(("<", "{", "%pdf")):
        raise DomainError(_("This is not a CSV file: save the list as CSV (UTF-8) and try again."),
                          code="file_type")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    headers = {str(h).strip().lower() for h in (reader.fieldnames or [])}
    if not headers & {"phone", "telefono", "teléfono", "number", "numero", "número"}:
        raise DomainError(_("The first line must name the columns, with at least a phone column "
                            "(phone or teléfono; also name, email, notes)."), code="no_header")
    rows, lines = [], []
    try:
        for row in reader:
            rows.append(row)
            lines.append(reader.line_num)
    except csv.Error as exc:
        raise DomainError(_("The file could not be read as CSV: %(error)s") % {"error": exc},
                          code="file_type") from None
    return rows, lines


def campaign_import_csv(*, by: User, queue: Queue, file: IO[bytes]) -> dict:
    """Import a CSV into a campaign: all rows or none. Returns {"created", "skipped"}; a refusal
    raises DomainError whose `rows` lists every rejected row and why."""
    _require(policies.can_manage_queue_settings(by))
    _same_organization(by, queue)
    rows, lines = _read_csv(file)
    with transaction.atomic():
        result = campaigns.campaign_import_contacts(queue=queue, rows=rows, by=by, line_numbers=lines)
        audit(by, "campaign.import", queue=queue, **result)
    return result


# --- Business hours -------------------------------------------------------------------------------


@transaction.atomic
def business_hours_save(*, by: User, hours: BusinessHours | None, name: str) -> BusinessHours:
    _require(policies.can_manage_queue_settings(by))
    hours = hours or BusinessHours(organization_id=by.organization_id)
    _check_unique(hours, _("There are already business hours named “%(name)s”.") % {"name": name},
                  name__iexact=name)
    return _write(by, hours, "business_hours", {"name": name})


@transaction.atomic
def business_hours_delete(*, by: User, hours: BusinessHours) -> str:
    _require(policies.can_manage_queue_settings(by))
    _same_organization(by, hours)
    queues = list(hours.queues.values_list("name", flat=True))
    if queues:
        raise DomainError(_("The queues %(queues)s follow these business hours. Choose others for them first.")
                          % {"queues": ", ".join(queues)}, code="in_use")
    return _delete(by, hours, "business_hours")


@transaction.atomic
def business_hours_interval_add(*, by: User, hours: BusinessHours, weekday: int, opens, closes
                                ) -> BusinessHoursInterval:
    _require(policies.can_manage_queue_settings(by))
    _same_organization(by, hours)
    if not (opens < closes or closes == datetime.time(0)):
        raise DomainError(_("The closing time must come after the opening time (00:00 is midnight)."),
                          code="invalid")
    interval = BusinessHoursInterval(hours=hours, weekday=weekday, opens=opens, closes=closes)
    _write(by, interval, "business_hours.interval", {})
    return interval


@transaction.atomic
def business_hours_holiday_add(*, by: User, hours: BusinessHours, date, name: str = "") -> Holiday:
    _require(policies.can_manage_queue_settings(by))
    _same_organization(by, hours)
    if hours.holidays.filter(date=date).exists():
        raise DomainError(_("%(date)s is already a holiday.") % {"date": date}, code="duplicate")
    holiday = Holiday(hours=hours, date=date, name=name)
    _write(by, holiday, "business_hours.holiday", {})
    return holiday


@transaction.atomic
def business_hours_part_remove(*, by: User, part: BusinessHoursInterval | Holiday) -> None:
    _require(policies.can_manage_queue_settings(by))
    _same_organization(by, part)
    audit(by, "business_hours.part_remove", id=part.hours_id, name=str(part))
    part.delete()
