"""Tenancy and queue scope for every URL with object ids and every websocket.

The URL patterns are enumerated from Django's resolver, so a new view is tried automatically.
Every row of the other organization has the id OTHER, and every queue-scoped row of the own
organization outside the personas' queues has the id ASIDE: whatever model a view looks an id
up in, it finds the row it must not reach. Each persona tries each URL by GET and POST (with a
body whose ids also point at those rows): the answer is 403, 404 or 405, never the data, and
nothing changes.
"""

import datetime
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from contactcenter import models as m
from tests import factories as f
from tests.permissions.conftest import ROLES, client_for, set_toggles

OTHER = 970_001
ASIDE = 960_001
SECRET = "SECRETO"  # in the conversations' contents and the catalog rows a persona must not reach
OUTSIDE = "Fuera"  # the names of queues and people: the own organization's may be listed (transfer
# targets, queues open to log in), another organization's never
REFUSED = {403, 404, 405}


# --- The URL patterns ---------------------------------------------------------------------------


def _walk(patterns, prefix="", namespace=None):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace else pattern.name
            yield prefix + str(pattern.pattern), name


def _params(route: str) -> dict[str, str]:
    """{param: converter} of a route, e.g. {"pk": "int", "key": "slug"}."""
    return {param: kind or "str" for kind, param in re.findall(r"<(?:(\w+):)?(\w+)>", route)}


def id_patterns():
    """Every pattern that takes an object id, outside Django admin (tests/contactcenter/test_admin.py)."""
    for route, name in _walk(get_resolver().url_patterns):
        params = _params(route)
        if name and name.startswith("admin:"):
            continue
        if "int" in params.values():
            yield route, name, params


# Values for the words in URLs (not ids). A new pattern with a word param must say its values
# here: test_every_word_parameter_has_values fails until it does.
def _config_sections():
    from permissions.config.views.sections import SECTIONS

    return list(SECTIONS)


WORDS = {
    ("workspace:call-simulate", "event"): lambda: ["answer", "hangup"],
    ("workspace:call-action", "action"): lambda: ["hold", "mute", "hangup"],
    ("config:hours-part-remove", "kind"): lambda: ["interval", "holiday"],
    ("config:edit", "key"): _config_sections,
    ("config:delete", "key"): _config_sections,
    ("webchat:attachment", "key"): lambda: ["own-webchat"],
}


def urls_for(name: str, route: str, params: dict[str, str], object_id: int) -> list[str]:
    """The concrete paths: every id param is object_id, every word param each of its values."""
    paths = [route]
    for param, kind in params.items():
        values = [str(object_id)] if kind == "int" else WORDS[(name, param)]()
        paths = [p.replace(f"<{kind}:{param}>", v).replace(f"<{param}>", v) for p in paths for v in values]
    return ["/" + p for p in paths]


PATTERNS = sorted(id_patterns(), key=lambda item: item[1] or item[0])


def test_every_word_parameter_has_values():
    missing = [(name, param) for _route, name, params in PATTERNS for param, kind in params.items()
               if kind != "int" and (name, param) not in WORDS]
    assert not missing, f"add the values of these URL words to WORDS: {missing}"


def test_the_enumeration_finds_the_screens_urls():
    names = {name for _route, name, _params in PATTERNS}
    assert {"workspace:conversation", "supervision:agent", "config:edit"} <= names


# --- The rows ---------------------------------------------------------------------------------------


def build_rows(org, pk: int, *, everything: bool) -> dict:
    """One row of each model a URL can name, all with id `pk`, in `org`. With everything=False
    only the queue- and person-scoped ones (organization-wide catalog rows stay reachable)."""
    now = timezone.now()
    label = f"{SECRET} {pk}"
    rows = {}
    rows["user"] = user = f.AgentFactory(organization=org, id=pk, username=f"fuera{pk}", first_name=OUTSIDE,
                                         last_name=str(pk))
    watcher = f.SupervisorFactory(organization=org, username=f"watcher{pk}")
    rows["queue"] = queue = f.CampaignFactory(organization=org, id=pk, name=f"{OUTSIDE} {pk}",
                                              after_service_seconds=30)
    rows["membership"] = f.QueueMembershipFactory(id=pk, queue=queue, user=user)
    f.QueueMembershipFactory(queue=queue, user=watcher, role="supervisor")
    rows["login"] = f.QueueLoginFactory(id=pk, queue=queue, agent=user)
    rows["contact"] = contact = f.ContactFactory(id=pk, organization=org, name=label)
    rows["conversation"] = conversation = f.ConversationFactory(
        id=pk, queue=queue, contact=contact, status=m.Conversation.Status.ASSIGNED, assignee=user, assigned_at=now,
        medium="voice", call_state="active")
    rows["message"] = message = f.MessageFactory(id=pk, conversation=conversation, body=label)
    rows["attachment"] = f.AttachmentFactory(id=pk, message=message, original_name=f"{SECRET}.txt")
    rows["offer"] = f.OfferFactory(id=pk, conversation=conversation, agent=user)
    rows["transfer"] = f.TransferFactory(id=pk, conversation=conversation, from_agent=user, to_agent=watcher,
                                         mode=m.Transfer.Mode.CONSULT)
    rows["campaign_contact"] = f.CampaignContactFactory(id=pk, queue=queue, contact=contact, assigned_to=user,
                                                        status=m.CampaignContact.Status.IN_PROGRESS)
    rows["canned"] = f.CannedResponseFactory(id=pk, organization=org, owner=user, shortcut=f"secreto{pk}",
                                             title=label, body=label)
    rows["monitoring"] = m.MonitoringSession.objects.create(id=pk, organization=org, supervisor=watcher, agent=user,
                                                            started_at=now)
    if not everything:
        return rows
    rows["channel"] = f.ChannelFactory(id=pk, organization=org, queue=queue, name=label)
    rows["skill"] = skill = f.SkillFactory(id=pk, organization=org, name=label)
    rows["agent_skill"] = f.AgentSkillFactory(id=pk, agent=user, skill=skill)
    rows["pause_reason"] = f.PauseReasonFactory(id=pk, organization=org, name=label, code=f"secreto{pk}")
    rows["tag"] = tag = f.TagFactory(id=pk, organization=org, name=label)
    conversation.tags.add(tag)
    rows["public_canned"] = f.CannedResponseFactory(organization=org, owner=None, shortcut=f"publico{pk}",
                                                    title=label, body=label)
    rows["prerecorded"] = f.PrerecordedMessageFactory(id=pk, organization=org, name=label)
    rows["disposition"] = disposition = f.DispositionFactory(id=pk, organization=org, name=label)
    queue.dispositions.add(disposition)
    rows["audit"] = f.AuditEntryFactory(id=pk, organization=org, action="queue.login_agent", reason=label)
    rows["device"] = m.Device.objects.create(id=pk, organization=org, user=user, channel_name=f"specific.{pk}",
                                             connected_at=now, last_seen_at=now)
    rows["interval"] = f.StatusIntervalFactory(id=pk, agent=user)
    rows["business_hours"] = hours = m.BusinessHours.objects.create(id=pk, organization=org, name=label)
    rows["hours_interval"] = m.BusinessHoursInterval.objects.create(
        id=pk, organization=org, hours=hours, weekday=0, opens=datetime.time(9), closes=datetime.time(18))
    rows["holiday"] = m.Holiday.objects.create(id=pk, organization=org, hours=hours,
                                               date=datetime.date(2030, 1, 1), name=label)
    return rows


def state_of(org) -> dict:
    """Every row of the organization, to prove a refused request changed nothing."""
    from django.apps import apps

    dump = {}
    for model in apps.get_app_config("contactcenter").get_models():
        if model in (m.Device, m.AuditEntry):  # a page view may record a device; refusals audit nothing here
            continue
        if model is m.Organization:
            rows = model.objects.filter(pk=org.pk)
        elif any(field.name == "organization" for field in model._meta.fields):
            rows = model.objects.filter(organization=org)
        else:
            continue
        fields = [field.attname for field in model._meta.concrete_fields if field.name != "last_login"]
        dump[model.__name__] = sorted(map(repr, rows.values(*fields)))
    return dump


@pytest.fixture
def world(personas, people):
    """Both organizations' rows, and every toggle at its most generous, so refusals come from
    tenancy and queue scope, not from a toggle."""
    set_toggles(personas.organization, allow_unassigned_queue_login=True, supervisors_access_config=True,
                supervisors_manage_queue_settings=True, supervisors_manage_pause_reasons=True,
                supervisors_manage_skills=True, agents_manage_prerecorded=True, agents_manage_public_canned=True)
    f.ChannelFactory(organization=personas.organization, queue=personas.queue, public_key="own-webchat")
    other = build_rows(personas.outsider.organization, OTHER, everything=True)
    aside = build_rows(personas.organization, ASIDE, everything=False)
    return {"other": other, "aside": aside}


def hostile_body(object_id: int) -> dict:
    """Form fields that views read ids from, all pointing at the unreachable rows."""
    return {
        "user": object_id, "agent": object_id, "queue": object_id, "message": object_id, "tag": "x",
        "target": f"agent:{object_id}", "mode": "blind", "text": "x", "name": "Hackeado", "role": "agent",
        "level": 5, "disposition": object_id, "wrapup-disposition": object_id, "status": f"pause:{object_id}",
        "reason": object_id, "answer": "accept", "shortcut": "hack", "title": "x", "body": "x", "number": "600000000",
        "membership": object_id, "skill": object_id, "weekday": 0, "opens": "09:00", "closes": "18:00",
        "date": "2030-02-02",
    }


def try_everything(client, name, route, params, object_id, *, markers=(SECRET,), moved_back=False) -> list[str]:
    """Problems found: an answer other than 403/404/405 (with moved_back, also a redirect back
    with a message), or a refusal that shows the rows."""
    problems = []
    for path in urls_for(name, route, params, object_id):
        for method in ("get", "post"):
            data = hostile_body(object_id) if method == "post" else {}
            response = getattr(client, method)(path, data)
            body = response.content.decode(errors="replace") if not getattr(response, "streaming", False) else ""
            if response.status_code not in REFUSED and not (moved_back and response.status_code == 302):
                problems.append(f"{method.upper()} {path} → {response.status_code}")
            elif any(marker in body for marker in markers):
                problems.append(f"{method.upper()} {path} → {response.status_code} with the data")
    return problems


@pytest.mark.parametrize(("route", "name", "params"), PATTERNS, ids=[p[1] or p[0] for p in PATTERNS])
def test_no_persona_reaches_another_organizations_rows(personas, people, world, route, name, params):
    before = state_of(personas.outsider.organization)
    problems = []
    for role in ROLES:
        problems += [f"{role}: {p}" for p in try_everything(client_for(people[role]), name, route, params, OTHER,
                                                            markers=(SECRET, f"{OUTSIDE} {OTHER}"))]
    assert not problems, "\n".join(problems)
    assert state_of(personas.outsider.organization) == before


@pytest.mark.parametrize(("route", "name", "params"), PATTERNS, ids=[p[1] or p[0] for p in PATTERNS])
def test_agents_and_limited_supervisors_do_not_reach_another_queues_rows(personas, people, world, route, name,
                                                                         params):
    """The own organization's queues are not secret (agents transfer to them): acting on one the
    persona may not use may also be refused with a message on the page it came from."""
    set_toggles(personas.organization, allow_unassigned_queue_login=False)
    before = state_of(personas.organization)
    problems = []
    for role in ("agent", "supervisor"):
        problems += [f"{role}: {p}" for p in try_everything(client_for(people[role]), name, route, params, ASIDE,
                                                            moved_back=True)]
    assert not problems, "\n".join(problems)
    assert state_of(personas.organization) == before


def test_the_other_organizations_rows_have_the_ids_the_test_uses(world):
    assert m.Conversation.objects.get(pk=OTHER).organization_id != m.Conversation.objects.get(pk=ASIDE).organization_id


# --- Own queue: the same helpers let the personas in -------------------------------------------------


@pytest.fixture
def own(personas):
    conversation = f.ConversationFactory(queue=personas.queue, status=m.Conversation.Status.ASSIGNED,
                                         assignee=personas.agent, assigned_at=timezone.now())
    return {"conversation": conversation}


@pytest.mark.parametrize("role", ["agent", "supervisor", "manager", "admin", "owner"])
def test_every_persona_opens_a_conversation_of_their_own_queue(personas, people, own, role):
    """The agent holds it; supervisors and up supervise the queue."""
    response = client_for(people[role]).get(f"/workspace/conversations/{own['conversation'].pk}/")
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["supervisor", "manager", "admin", "owner"])
def test_supervising_personas_open_their_queue_and_its_agent(personas, people, role):
    client = client_for(people[role])
    assert client.get(f"/supervision/queues/{personas.queue.pk}/").status_code == 200
    assert client.get(f"/supervision/agents/{personas.agent.pk}/").status_code == 200


@pytest.mark.parametrize("role", ["manager", "admin", "owner"])
def test_managers_and_up_open_every_queue_of_their_organization(personas, people, role):
    assert client_for(people[role]).get(f"/supervision/queues/{personas.other_queue.pk}/").status_code == 200


# --- Websockets ------------------------------------------------------------------------------------

def websocket_routes() -> set[str]:
    from contactcenter.routing import websocket_urlpatterns

    return {str(p.pattern) for p in websocket_urlpatterns}


WEBSOCKETS = {"ws/workspace/", "ws/supervision/", "ws/chat/<slug:key>/"}


def test_every_websocket_is_tried_here():
    assert websocket_routes() == WEBSOCKETS, "add the new websocket's tenancy test below"


async def _frames(user, path: str, *, cookie: str | None = None) -> tuple[bool, str]:
    from asgiref.sync import sync_to_async
    from channels.testing import WebsocketCommunicator
    from django.test import Client

    from contactcenter.asgi import application

    def login_cookie():
        client = Client()
        client.force_login(user)
        return client.cookies["sessionid"].value

    headers = [(b"host", b"testserver"), (b"origin", b"http://testserver")]
    cookies = []
    if user is not None:
        cookies.append(f"sessionid={await sync_to_async(login_cookie)()}")
    if cookie:
        cookies.append(cookie)
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    comm = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await comm.connect()
    html = ""
    if connected:
        timeout = 2.0
        while not await comm.receive_nothing(timeout=timeout):
            html += await comm.receive_from()
            timeout = 0.6
        await comm.disconnect()
    return connected, html


# Managers and up supervise every queue of their organization: only agents and supervisors
# have another queue out of reach.
SOCKET_CASES = [(role, OTHER) for role in ROLES] + [(role, ASIDE) for role in ("agent", "supervisor")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("role", "object_id"), SOCKET_CASES,
                         ids=[f"{r}-{'other-organization' if i == OTHER else 'other-queue'}" for r, i in SOCKET_CASES])
async def test_the_workspace_socket_never_sends_rows_out_of_reach(personas, people, world, role, object_id):
    connected, html = await _frames(people[role], f"/ws/workspace/?c={object_id}")
    assert connected
    assert SECRET not in html
    assert f"{OUTSIDE} {OTHER}" not in html


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ["owner", "admin", "manager", "supervisor"])
async def test_the_supervision_socket_never_sends_another_organization(personas, people, world, role):
    connected, html = await _frames(people[role], "/ws/supervision/")
    assert connected
    assert html  # the refresh came
    assert f"{OUTSIDE} {OTHER}" not in html and SECRET not in html


@pytest.mark.django_db(transaction=True)
async def test_the_supervision_socket_never_sends_a_limited_supervisor_another_queue(personas, people, world):
    connected, html = await _frames(people["supervisor"], "/ws/supervision/")
    assert connected
    assert html
    assert f"{OUTSIDE} {ASIDE}" not in html and SECRET not in html


@pytest.mark.django_db(transaction=True)
async def test_agents_cannot_open_the_supervision_socket(personas, people, world):
    connected, _ = await _frames(people["agent"], "/ws/supervision/")
    assert not connected


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("role", ROLES)
async def test_a_staff_session_does_not_open_a_customers_chat_socket(personas, people, world, role):
    connected, _ = await _frames(people[role], "/ws/chat/own-webchat/")
    assert not connected


@pytest.mark.django_db(transaction=True)
async def test_a_customers_token_does_not_open_another_organizations_chat(personas, world):
    from asgiref.sync import sync_to_async

    from contactcenter.connectors.webchat import tokens

    def setup():
        own_channel = m.Channel.objects.get(public_key="own-webchat")
        conversation = f.ConversationFactory(queue=personas.queue, channel=own_channel)
        other_channel = world["other"]["channel"]
        m.Channel.objects.filter(pk=other_channel.pk).update(kind=m.Channel.Kind.WEBCHAT, public_key="rival-webchat")
        return tokens.make(own_channel, conversation)

    token = await sync_to_async(setup)()
    connected, _ = await _frames(None, f"/ws/chat/rival-webchat/?t={token}")
    assert not connected
    connected, _ = await _frames(None, f"/ws/chat/own-webchat/?t={token}")
    assert connected
