"""The administration site is tenant-scoped: an organization's admin (role admin, neither staff
nor superuser) sees, links and creates only their own organization's rows."""

import uuid

import pytest
from django.contrib import admin
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone

from contactcenter import models as m
from tests import factories as f


def _queue(org):
    return f.QueueFactory(organization=org)


def _conversation(org):
    return f.ConversationFactory(queue=_queue(org))


def _agent(org):
    return f.AgentFactory(organization=org)


def _device(org):
    now = timezone.now()
    return m.Device.objects.create(
        organization=org,
        user=_agent(org),
        channel_name=f"specific.{uuid.uuid4().hex}",
        user_agent="Mozilla/5.0 Chrome/130.0",
        connected_at=now,
        last_seen_at=now,
    )


def _monitoring_session(org):
    supervisor = f.SupervisorFactory(organization=org)
    return m.MonitoringSession.objects.create(
        organization=org, supervisor=supervisor, agent=_agent(org), started_at=timezone.now())


# One row of every registered contact-center model, in a given organization.
ROW_BUILDERS = {
    m.Organization: lambda org: org,
    m.User: _agent,
    m.Queue: _queue,
    m.QueueMembership: lambda org: f.QueueMembershipFactory(queue=_queue(org)),
    m.QueueLogin: lambda org: f.QueueLoginFactory(queue=_queue(org)),
    m.Skill: lambda org: f.SkillFactory(organization=org),
    m.AgentSkill: lambda org: f.AgentSkillFactory(agent=_agent(org)),
    m.StatusDefinition: lambda org: f.PauseReasonFactory(organization=org),
    m.AgentState: lambda org: _agent(org).state,
    m.StatusInterval: lambda org: f.StatusIntervalFactory(agent=_agent(org)),
    m.Channel: lambda org: f.ChannelFactory(organization=org),
    m.Contact: lambda org: f.ContactFactory(organization=org),
    m.Conversation: _conversation,
    m.Message: lambda org: f.MessageFactory(conversation=_conversation(org)),
    m.Attachment: lambda org: f.AttachmentFactory(message=f.MessageFactory(conversation=_conversation(org))),
    m.Offer: lambda org: f.OfferFactory(conversation=_conversation(org)),
    m.Tag: lambda org: f.TagFactory(organization=org),
    m.CannedResponse: lambda org: f.CannedResponseFactory(organization=org),
    m.PrerecordedMessage: lambda org: f.PrerecordedMessageFactory(organization=org),
    m.Disposition: lambda org: f.DispositionFactory(organization=org),
    m.Transfer: lambda org: f.TransferFactory(conversation=_conversation(org)),
    m.SatisfactionRating: lambda org: f.SatisfactionRatingFactory(conversation=_conversation(org)),
    m.AuditEntry: lambda org: f.AuditEntryFactory(organization=org, action="queue.login_agent"),
    m.Device: _device,
    m.CampaignContact: lambda org: f.CampaignContactFactory(queue=f.CampaignFactory(organization=org)),
    m.BusinessHours: lambda org: f.BusinessHoursFactory(organization=org),
    m.MonitoringSession: _monitoring_session,
    m.Schedule: lambda org: f.ScheduleFactory(organization=org),
    m.ScheduleShift: lambda org: f.ScheduleShiftFactory(schedule=f.ScheduleFactory(organization=org)),
    m.AgentSchedule: lambda org: f.AgentScheduleFactory(agent=_agent(org)),
    m.ScheduleException: lambda org: f.ScheduleExceptionFactory(agent=_agent(org)),
    m.StatusRule: lambda org: f.StatusRuleFactory(organization=org),
    m.RuleFiring: lambda org: f.RuleFiringFactory(rule=f.StatusRuleFactory(organization=org)),
    m.NotificationPreference: lambda org: m.NotificationPreference.objects.create(
        organization=org, user=f.SupervisorFactory(organization=org)),
}
MODELS = list(ROW_BUILDERS)


def _ids(model):
    return model.__name__


def _url(model, view, *args):
    return reverse(f"admin:contactcenter_{model._meta.model_name}_{view}", args=args)


def _change_url(obj):
    return _url(type(obj), "change", quote(obj.pk))


@pytest.fixture
def admin_client_of_org(client, personas):
    client.force_login(personas.admin)
    return client


@pytest.fixture
def superuser(db):
    return m.User.objects.create_superuser(username="root", password="demo", email="root@example.com")


def test_every_registered_contact_center_model_is_covered_here():
    registered = {model for model in admin.site._registry if model._meta.app_label == "contactcenter"}
    assert registered == set(ROW_BUILDERS)


def test_org_admin_without_staff_flag_sees_the_admin_index(admin_client_of_org, personas):
    assert not personas.admin.is_staff and not personas.admin.is_superuser
    response = admin_client_of_org.get("/admin/")
    assert response.status_code == 200
    assert _url(m.Queue, "changelist") in response.text


def test_org_admin_can_log_in_on_the_admin_login_page(client, personas):
    response = client.post(
        "/admin/login/?next=/admin/", {"username": "adela", "password": "demo", "next": "/admin/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_an_agent_cannot_log_in_on_the_admin_login_page(client, personas):
    response = client.post("/admin/login/", {"username": "ana", "password": "demo", "next": "/admin/"})
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("persona", ["agent", "supervisor"])
def test_agents_and_supervisors_are_refused_the_admin(client, personas, persona):
    client.force_login(getattr(personas, persona))
    for url in ("/admin/", _url(m.Queue, "changelist"), _change_url(personas.queue)):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/admin/login/"), url


def test_org_admin_does_not_see_the_platform_groups(admin_client_of_org):
    response = admin_client_of_org.get("/admin/")
    assert reverse("admin:auth_group_changelist") not in response.text
    assert admin_client_of_org.get(reverse("admin:auth_group_changelist")).status_code == 403


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_admin_changelist_lists_only_the_admins_organization(admin_client_of_org, personas, model):
    mine = ROW_BUILDERS[model](personas.organization)
    theirs = ROW_BUILDERS[model](personas.outsider.organization)
    response = admin_client_of_org.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert _change_url(mine) in response.text
    assert _change_url(theirs) not in response.text
    listed = {obj.pk for obj in response.context["cl"].result_list}
    assert mine.pk in listed
    assert theirs.pk not in listed
    assert all(
        obj.pk != theirs.pk and getattr(obj, "organization_id", personas.organization.pk)
        == personas.organization.pk
        for obj in response.context["cl"].result_list
    )


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_admin_cannot_open_another_organizations_object(admin_client_of_org, personas, model):
    mine = ROW_BUILDERS[model](personas.organization)
    theirs = ROW_BUILDERS[model](personas.outsider.organization)
    assert admin_client_of_org.get(_change_url(mine)).status_code == 200
    for view in ("change", "history", "delete"):
        response = admin_client_of_org.get(_url(model, view, quote(theirs.pk)))
        # "does not exist" (back to the index), or no delete right at all: never the object.
        assert response.status_code in (302, 403, 404), view
        if response.status_code == 302:
            assert response["Location"] == "/admin/", view
        assert str(theirs) not in response.text


def test_admin_cannot_change_another_organizations_queue_by_posting(admin_client_of_org, personas):
    theirs = personas.outsider_queue
    response = admin_client_of_org.post(
        _change_url(theirs), {"name": "Hackeada", "kind": "chat", "strategy": "least_busy"}
    )
    assert response.status_code in (302, 404)
    theirs.refresh_from_db()
    assert theirs.name == "Ventas"


@pytest.mark.parametrize("model", MODELS, ids=_ids)
def test_superuser_sees_every_organizations_rows(client, superuser, personas, model):
    client.force_login(superuser)
    mine = ROW_BUILDERS[model](personas.organization)
    theirs = ROW_BUILDERS[model](personas.outsider.organization)
    response = client.get(_url(model, "changelist"))
    assert response.status_code == 200
    assert _change_url(mine) in response.text
    assert _change_url(theirs) in response.text


def test_changelist_filters_do_not_name_another_organizations_queues(admin_client_of_org, personas):
    f.QueueFactory(organization=personas.outsider.organization, name="Cola secreta del rival")
    f.ConversationFactory(queue=personas.queue)
    for model in (m.Conversation, m.QueueLogin):
        response = admin_client_of_org.get(_url(model, "changelist"))
        assert response.status_code == 200
        assert "Cola secreta del rival" not in response.text, model.__name__


# --- Add forms offer only the organization's choices ----------------------------------------


def _options(field):
    return {str(obj.pk) for obj in field.queryset}


def test_queue_add_form_offers_only_the_organizations_skills_dispositions_and_users(
    admin_client_of_org, personas
):
    outsider_org = personas.outsider.organization
    my_skill = f.SkillFactory(organization=personas.organization, name="Inglés")
    their_skill = f.SkillFactory(organization=outsider_org, name="Alemán-del-rival")
    my_disposition = f.DispositionFactory(organization=personas.organization, name="Venta")
    their_disposition = f.DispositionFactory(organization=outsider_org, name="Resultado-del-rival")
    their_agent = f.AgentFactory(organization=outsider_org, first_name="Rival", last_name="Secreto")

    response = admin_client_of_org.get(_url(m.Queue, "add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "organization" not in form.fields
    assert _options(form.fields["required_skills"]) == {str(my_skill.pk)}
    assert _options(form.fields["dispositions"]) == {str(my_disposition.pk)}
    (memberships,) = response.context["inline_admin_formsets"]
    users = _options(memberships.formset.empty_form.fields["user"])
    assert str(personas.agent.pk) in users
    assert str(their_agent.pk) not in users
    assert str(personas.outsider.pk) not in users
    for name in ("Alemán-del-rival", "Resultado-del-rival", "Rival Secreto"):
        assert name not in response.text
    assert str(their_skill) not in response.text
    assert str(their_disposition) not in response.text


def test_queue_membership_add_form_offers_only_the_organizations_queues_and_users(
    admin_client_of_org, personas
):
    response = admin_client_of_org.get(_url(m.QueueMembership, "add"))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert str(personas.outsider_queue.pk) not in _options(form.fields["queue"])
    assert str(personas.queue.pk) in _options(form.fields["queue"])
    assert str(personas.outsider.pk) not in _options(form.fields["user"])
    assert str(personas.agent.pk) in _options(form.fields["user"])
    assert "organization" not in form.fields


def test_every_add_form_offers_only_the_organizations_rows(admin_client_of_org, personas):
    outsider_org = personas.outsider.organization
    for model in MODELS:
        ROW_BUILDERS[model](outsider_org)
    for model in MODELS:
        response = admin_client_of_org.get(_url(model, "add"))
        if response.status_code == 403:
            continue  # no add for this model
        assert response.status_code == 200, model.__name__
        form = response.context["adminform"].form
        for name, field in form.fields.items():
            queryset = getattr(field, "queryset", None)
            if queryset is None:
                continue
            for obj in queryset:
                org_id = obj.pk if isinstance(obj, m.Organization) else obj.organization_id
                assert org_id == personas.organization.pk, f"{model.__name__}.{name}: {obj}"


def _queue_post(**extra):
    data = {
        "name": "Reclamaciones",
        "kind": "chat",
        "strategy": "least_busy",
        "priority": "0",
        "after_service_seconds": "30",
        "after_service_enforced": "on",
        "offer_timeout_seconds": "20",
        "service_level_seconds": "20",
        "is_active": "on",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(extra)
    return data


def test_a_queue_added_by_an_org_admin_belongs_to_their_organization(admin_client_of_org, personas):
    skill = f.SkillFactory(organization=personas.organization)
    data = _queue_post(
        required_skills=[str(skill.pk)],
        **{
            "memberships-TOTAL_FORMS": "1",
            "memberships-0-user": str(personas.agent.pk),
            "memberships-0-role": "agent",
            "memberships-0-position": "0",
        },
    )
    response = admin_client_of_org.post(_url(m.Queue, "add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    queue = m.Queue.objects.get(name="Reclamaciones")
    assert queue.organization == personas.organization
    assert list(queue.required_skills.all()) == [skill]
    membership = queue.memberships.get()
    assert membership.user == personas.agent
    assert membership.organization == personas.organization


def test_admin_cannot_attach_another_organizations_skill_to_a_queue(admin_client_of_org, personas):
    their_skill = f.SkillFactory(organization=personas.outsider.organization)
    response = admin_client_of_org.post(
        _url(m.Queue, "add"), _queue_post(required_skills=[str(their_skill.pk)])
    )
    assert response.status_code == 200
    assert "required_skills" in response.context["adminform"].form.errors
    assert not m.Queue.objects.filter(name="Reclamaciones").exists()


def test_admin_cannot_add_a_member_from_another_organization(admin_client_of_org, personas):
    response = admin_client_of_org.post(
        _url(m.QueueMembership, "add"),
        {"queue": str(personas.queue.pk), "user": str(personas.outsider.pk), "role": "agent", "position": "0"},
    )
    assert response.status_code == 200
    assert "user" in response.context["adminform"].form.errors
    assert not m.QueueMembership.objects.filter(user=personas.outsider).exists()


def test_a_skill_added_by_an_org_admin_belongs_to_their_organization(admin_client_of_org, personas):
    response = admin_client_of_org.post(_url(m.Skill, "add"), {"name": "Francés"})
    assert response.status_code == 302
    assert m.Skill.objects.get(name="Francés").organization == personas.organization


def test_a_duplicate_name_in_the_admin_is_a_form_error_not_a_crash(admin_client_of_org, personas):
    f.SkillFactory(organization=personas.organization, name="Francés")
    response = admin_client_of_org.post(_url(m.Skill, "add"), {"name": "Francés"})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors
    assert m.Skill.objects.filter(name="Francés").count() == 1


def test_the_same_name_as_another_organizations_row_is_accepted(admin_client_of_org, personas):
    f.QueueFactory(organization=personas.outsider.organization, name="Quejas")
    response = admin_client_of_org.post(_url(m.Queue, "add"), _queue_post(name="Quejas"))
    assert response.status_code == 302
    assert m.Queue.objects.get(name="Quejas", organization=personas.organization)


def test_a_duplicate_queue_name_in_the_admin_is_a_form_error(admin_client_of_org, personas):
    response = admin_client_of_org.post(_url(m.Queue, "add"), _queue_post(name="Ventas"))
    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors()
    assert m.Queue.objects.filter(name="Ventas", organization=personas.organization).count() == 1


# --- Users -------------------------------------------------------------------------------------


def test_a_user_added_by_an_org_admin_belongs_to_their_organization_and_can_work(
    admin_client_of_org, personas
):
    response = admin_client_of_org.post(
        _url(m.User, "add"),
        {
            "username": "nuria",
            "password1": "Una-clave-muy-segura-2024",
            "password2": "Una-clave-muy-segura-2024",
            "usable_password": "true",
            "role": "agent",
            "first_name": "Nuria",
            "last_name": "Sanz",
            "email": "nuria@example.com",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user = m.User.objects.get(username="nuria")
    assert user.organization == personas.organization
    assert not user.is_superuser and not user.is_staff
    assert user.state.status.code == "offline"
    assert user.check_password("Una-clave-muy-segura-2024")


def test_org_admin_user_forms_have_no_superuser_staff_or_organization_field(
    admin_client_of_org, personas
):
    for url in (_url(m.User, "add"), _change_url(personas.agent)):
        response = admin_client_of_org.get(url)
        assert response.status_code == 200
        form = response.context["adminform"].form
        for field in ("is_superuser", "is_staff", "organization", "groups", "user_permissions"):
            assert field not in form.fields, (url, field)
            assert f'name="{field}"' not in response.text, (url, field)


def test_org_admin_cannot_grant_the_owner_role(admin_client_of_org, personas):
    response = admin_client_of_org.get(_url(m.User, "add"))
    roles = [value for value, _label in response.context["adminform"].form.fields["role"].choices]
    assert "owner" not in roles
    assert "admin" in roles


def test_org_admin_cannot_make_someone_superuser_by_posting_the_field(admin_client_of_org, personas):
    agent = personas.agent
    response = admin_client_of_org.post(
        _change_url(agent),
        {
            "username": agent.username,
            "first_name": agent.first_name,
            "last_name": agent.last_name,
            "email": agent.email,
            "extension": "201",
            "role": "agent",
            "is_active": "on",
            "is_superuser": "on",
            "is_staff": "on",
            "organization": str(personas.outsider.organization.pk),
        },
    )
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.extension == "201"  # the change itself was saved
    assert not agent.is_superuser
    assert not agent.is_staff
    assert agent.organization == personas.organization


def test_org_admin_cannot_take_over_an_owner_or_a_superuser_of_their_organization(
    admin_client_of_org, personas
):
    owner = f.UserFactory(organization=personas.organization, role="owner", username="olga")
    platform = m.User.objects.create_superuser(
        username="root", password="demo", email="r@example.com", organization=personas.organization
    )
    for user in (owner, platform):
        response = admin_client_of_org.post(
            reverse("admin:auth_user_password_change", args=[user.pk]),
            {"password1": "Robada-clave-2024!", "password2": "Robada-clave-2024!", "usable_password": "true"},
        )
        assert response.status_code in (302, 403, 404)
        user.refresh_from_db()
        assert not user.check_password("Robada-clave-2024!"), user.username
        assert admin_client_of_org.post(_url(m.User, "delete", user.pk), {"post": "yes"}).status_code in (
            302,
            403,
        )
        assert m.User.objects.filter(pk=user.pk).exists()


def test_an_owner_can_manage_the_owner_role(client, personas):
    owner = f.UserFactory(organization=personas.organization, role="owner", username="olga")
    client.force_login(owner)
    response = client.get(_url(m.User, "add"))
    roles = [value for value, _label in response.context["adminform"].form.fields["role"].choices]
    assert "owner" in roles


# --- Engine records ---------------------------------------------------------------------------

ENGINE_MODELS = [
    m.AgentState,
    m.StatusInterval,
    m.QueueLogin,
    m.Offer,
    m.Transfer,
    m.SatisfactionRating,
    m.Message,
    m.Attachment,
    m.AuditEntry,
    m.Device,
    m.MonitoringSession,
    m.RuleFiring,
]


@pytest.mark.parametrize("model", ENGINE_MODELS, ids=_ids)
def test_engine_records_are_read_only_in_the_admin(admin_client_of_org, personas, model):
    """The state machine, ledger, logins, offers and messages are written by the services only:
    an edit in the admin would skip the ledger, the capacity counters and the events."""
    row = ROW_BUILDERS[model](personas.organization)
    assert admin_client_of_org.get(_url(model, "add")).status_code == 403
    response = admin_client_of_org.get(_change_url(row))
    assert response.status_code == 200  # visible
    assert response.context["has_change_permission"] is False
    assert admin_client_of_org.post(_change_url(row), {}).status_code == 403


def test_an_agents_status_cannot_be_edited_in_the_admin(admin_client_of_org, personas):
    state = personas.agent.state
    ready = m.StatusDefinition.objects.get(organization=personas.organization, code="ready")
    response = admin_client_of_org.post(
        _change_url(state), {"status": str(ready.pk), "since": "2024-01-01 00:00:00", "receive_new": "on"}
    )
    assert response.status_code == 403
    state.refresh_from_db()
    assert state.status.code == "offline"


def test_the_audit_log_cannot_be_erased_by_an_org_admin(admin_client_of_org, personas):
    entry = f.AuditEntryFactory(organization=personas.organization)
    response = admin_client_of_org.post(_url(m.AuditEntry, "delete", entry.pk), {"post": "yes"})
    assert response.status_code == 403
    assert m.AuditEntry.objects.filter(pk=entry.pk).exists()


def test_conversation_routing_fields_are_read_only_and_tags_editable(admin_client_of_org, personas):
    conversation = f.ConversationFactory(queue=personas.queue)
    tag = f.TagFactory(organization=personas.organization)
    assert admin_client_of_org.get(_url(m.Conversation, "add")).status_code == 403
    response = admin_client_of_org.get(_change_url(conversation))
    form = response.context["adminform"].form
    assert set(form.fields) == {"tags", "disposition", "wrapup_notes", "priority"}  # priority: it waits
    response = admin_client_of_org.post(
        _change_url(conversation),
        {
            "tags": [str(tag.pk)],
            "wrapup_notes": "Cliente satisfecho",
            "status": "assigned",
            "assignee": str(personas.agent.pk),
            "messages-TOTAL_FORMS": "0",
            "messages-INITIAL_FORMS": "0",
            "messages-MIN_NUM_FORMS": "0",
            "messages-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    conversation.refresh_from_db()
    assert list(conversation.tags.all()) == [tag]
    assert conversation.wrapup_notes == "Cliente satisfecho"
    assert conversation.status == "queued"
    assert conversation.assignee is None


def test_system_statuses_are_read_only_for_an_org_admin(admin_client_of_org, personas):
    ready = m.StatusDefinition.objects.get(organization=personas.organization, code="ready")
    response = admin_client_of_org.post(_change_url(ready), {"kind": "pause", "code": "listo", "name": "X"})
    assert response.status_code in (302, 403)
    ready.refresh_from_db()
    assert (ready.kind, ready.code) == ("system", "ready")


def test_a_pause_reason_added_by_an_org_admin_is_a_pause(admin_client_of_org, personas):
    response = admin_client_of_org.post(
        _url(m.StatusDefinition, "add"),
        {"code": "formacion", "name": "Formación", "max_minutes": "60", "position": "1", "is_active": "on"},
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    pause = m.StatusDefinition.objects.get(code="formacion")
    assert pause.organization == personas.organization
    assert pause.kind == m.StatusDefinition.Kind.PAUSE


def test_an_org_admin_cannot_add_a_system_status(admin_client_of_org, personas):
    response = admin_client_of_org.post(
        _url(m.StatusDefinition, "add"),
        {"kind": "system", "code": "ready", "name": "Listo 2", "position": "1", "is_active": "on"},
    )
    assert response.status_code == 200  # a form error: "ready" is taken; kind is not offered
    assert m.StatusDefinition.objects.filter(organization=personas.organization, code="ready").count() == 1


def test_admin_logout_of_a_superuser_without_agent_state_works(client, personas):
    root = m.User.objects.create_superuser(
        username="root", password="demo", email="r@example.com", organization=personas.organization
    )
    client.force_login(root)
    assert client.post(reverse("admin:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


def test_admin_logout_signs_the_agent_out(admin_client_of_org, personas):
    from contactcenter.services import agents as agent_services

    agent_services.agent_sign_in(agent=personas.admin)
    response = admin_client_of_org.post(reverse("admin:logout"))
    assert response.status_code == 302
    personas.admin.state.refresh_from_db()
    assert personas.admin.state.status.code == "offline"
    assert "_auth_user_id" not in admin_client_of_org.session


# --- Deactivation -------------------------------------------------------------------------------


def _user_change_post(user, **changes):
    data = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "extension": user.extension,
        "role": user.role,
        "is_active": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_deactivating_an_agent_in_the_admin_signs_them_out_of_every_queue(
    admin_client_of_org, personas, client
):
    from contactcenter.services import agents as agent_services
    from contactcenter.services import queues as queue_services

    agent = personas.agent
    agent_services.agent_sign_in(agent=agent)
    queue_services.queue_login(queue=personas.queue, agent=agent)
    response = admin_client_of_org.post(_change_url(agent), _user_change_post(agent, is_active=None))
    assert response.status_code == 302
    agent.refresh_from_db()
    assert agent.is_active is False
    assert agent.state.status.code == "offline"
    assert not m.QueueLogin.objects.filter(agent=agent, ended_at__isnull=True).exists()
    assert m.AuditEntry.objects.filter(action="user.deactivate", target_user=agent, actor=personas.admin).exists()


def test_an_org_admin_cannot_deactivate_their_own_account(admin_client_of_org, personas):
    me = personas.admin
    response = admin_client_of_org.post(_change_url(me), _user_change_post(me, is_active=None))
    assert response.status_code == 200
    assert "is_active" in response.context["adminform"].form.errors
    me.refresh_from_db()
    assert me.is_active is True


def test_a_superuser_deactivating_an_agent_also_signs_them_out(client, superuser, personas):
    from contactcenter.services import agents as agent_services

    agent = personas.agent
    agent_services.agent_sign_in(agent=agent)
    client.force_login(superuser)
    data = _user_change_post(agent, is_active=None, organization=str(personas.organization.pk))
    response = client.post(_change_url(agent), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    agent.refresh_from_db()
    assert agent.is_active is False
    assert agent.state.status.code == "offline"


def _change_form_data(client, obj, **changes) -> dict:
    """What the admin's change form would post unchanged, with `changes` applied."""
    form = client.get(_change_url(obj)).context["adminform"].form
    data = {}
    for name, field in form.fields.items():
        value = changes.get(name, form.initial.get(name, field.initial))
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value.pk if hasattr(value, "pk") else value
    return data


def test_a_permission_toggle_changed_in_the_admin_is_audited(admin_client_of_org, personas):
    org = personas.organization
    data = _change_form_data(admin_client_of_org, org, allow_unassigned_queue_login=True)
    response = admin_client_of_org.post(_change_url(org), data)
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.allow_unassigned_queue_login
    entry = m.AuditEntry.objects.get(action="organization.permission", organization=org)
    assert entry.data == {"permission": "allow_unassigned_queue_login", "value": True}
    assert entry.actor == personas.admin


def test_a_supervisor_added_to_a_queue_in_the_admin_gets_the_object_permission(admin_client_of_org, personas):
    from contactcenter.services.policies import SUPERVISE_QUEUE

    boss = f.SupervisorFactory(organization=personas.organization)
    response = admin_client_of_org.post(_url(m.QueueMembership, "add"), {
        "queue": personas.other_queue.pk, "user": boss.pk, "role": "supervisor", "position": 0})
    assert response.status_code == 302
    assert m.User.objects.get(pk=boss.pk).has_perm(SUPERVISE_QUEUE, personas.other_queue)
    membership = m.QueueMembership.objects.get(user=boss)
    admin_client_of_org.post(_url(m.QueueMembership, "delete", membership.pk), {"post": "yes"})
    assert not m.User.objects.get(pk=boss.pk).has_perm(SUPERVISE_QUEUE, personas.other_queue)


def test_a_waiting_conversations_priority_changes_in_admin_through_the_service(admin_client_of_org, personas):
    conversation = f.ConversationFactory(queue=personas.queue, status="queued")
    response = admin_client_of_org.post(_change_url(conversation), {
        "priority": "9", "wrapup_notes": "", "messages-TOTAL_FORMS": "0", "messages-INITIAL_FORMS": "0",
        "messages-MIN_NUM_FORMS": "0", "messages-MAX_NUM_FORMS": "1000"})
    assert response.status_code == 302
    conversation.refresh_from_db()
    assert conversation.priority == 9
    assert m.AuditEntry.objects.filter(action="conversation.priority", conversation=conversation).exists()


def test_a_closed_conversations_priority_is_read_only(admin_client_of_org, personas):
    conversation = f.ConversationFactory(queue=personas.queue, status="closed")
    form = admin_client_of_org.get(_change_url(conversation)).context["adminform"].form
    assert "priority" not in form.fields
