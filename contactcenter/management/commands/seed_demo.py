"""A demo organization to try everything: `python manage.py seed_demo` (idempotent)."""

from datetime import date, time, timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from contactcenter.management.commands import _history
from contactcenter.models import (
    AgentSchedule,
    AgentSkill,
    BusinessHours,
    BusinessHoursInterval,
    CannedResponse,
    Channel,
    Contact,
    Conversation,
    Disposition,
    Holiday,
    Message,
    Organization,
    QueueMembership,
    Schedule,
    ScheduleBreak,
    ScheduleShift,
    Skill,
    StatusDefinition,
    StatusRule,
    Tag,
    User,
)
from contactcenter.models import Queue as QueueModel
from contactcenter.services import conversations, organizations, queues

PASSWORD = "demo"
USERS = [
    ("owner", "owner", "Olga", "Martín"),
    ("admin", "admin", "Adrián", "Castro"),
    ("supervisor1", "supervisor", "Sofía", "Ruiz"),
    ("supervisor2", "supervisor", "Sergio", "Navarro"),
    ("agent1", "agent", "Ana", "López"),
    ("agent2", "agent", "Luis", "Pérez"),
    ("agent3", "agent", "Marta", "García"),
    ("agent4", "agent", "Jorge", "Sánchez"),
    ("agent5", "agent", "Lucía", "Romero"),
    ("agent6", "agent", "Pablo", "Díaz"),
    ("agent7", "agent", "Elena", "Torres"),
    ("agent8", "agent", "Diego", "Vidal"),
]
QUEUES = [
    # name, kind, after-service seconds, members, supervisors
    ("Ventas", "chat", 15, ["agent1", "agent2", "agent3", "agent4", "agent5"], ["supervisor1"]),
    ("Soporte", "voice", 30, ["agent4", "agent5", "agent6", "agent7", "agent8"], ["supervisor1"]),
    ("Renovaciones", "campaign", 20, ["agent6", "agent7", "agent8"], ["supervisor2"]),
]
HISTORY_DAYS = 30
PAUSES = [("descanso", "Descanso", 15), ("capacitacion", "Capacitación", 60), ("vacaciones", "Vacaciones", None)]
DISPOSITIONS = [
    ("Venta realizada", False), ("Sin interés", False), ("Resuelto", False),
    ("No contesta", True), ("Volver a llamar", True),
]
TAGS = [("VIP", "#b8860b"), ("Reclamo", "#c62828"), ("Nuevo cliente", "#2e7d32")]
CANNED = [
    ("saludo", "Saludo", "¡Hola! Soy {agente}, ¿en qué puedo ayudarte?"),
    ("espera", "Un momento", "Dame un momento, por favor, que lo compruebo."),
    ("despedida", "Despedida", "Gracias por escribirnos. ¡Que tengas un buen día!"),
]
AUTO_REPLIES = {
    "auto_reply_outside_hours": "Nuestro horario es de 9 a 18 h; te responderemos en cuanto volvamos.",
    "auto_reply_no_agents": "Ahora mismo no hay agentes disponibles; tu mensaje queda en cola.",
    "auto_reply_queued": "Gracias por escribirnos. Tu posición en la cola es {position}.",
}
CHANNELS = [
    # public key, kind, name, queue, secret, provider settings
    ("demo-web", "webchat", "Chat web", "Ventas", "demo-web-secret", {}),
    ("demo-api", "api", "API", "Ventas", "demo-api-secret", {}),
    ("demo-whatsapp", "whatsapp", "WhatsApp", "Ventas", "demo-app-secret",
     {"verify_token": "demo-verify-token", "app_secret": "demo-app-secret", "phone_number_id": "100000000000001"}),
    ("demo-sms", "sms", "SMS", "Ventas", "demo-sms-secret", {}),
    ("demo-voice", "voice", "Teléfono", "Soporte", "demo-voice-secret", {}),
]
CONTACTS = [
    ("Carmen Ortega", "+34600111222", "carmen@example.com"),
    ("Javier Molina", "+34600222333", "javier@example.com"),
    ("Rosa Delgado", "+34600333444", ""),
    ("Andrés Ramos", "+34600444555", "andres@example.com"),
    ("Isabel Herrera", "+34600555666", ""),
    ("Tomás Cruz", "+34600666777", "tomas@example.com"),
]


class Command(BaseCommand):
    help = "Create (or complete) the demo organization. Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")
        parser.add_argument("--port", type=int, default=settings.PORT,
                            help="The port the server runs on, for the address printed (default: PORT or 8000).")

    def handle(self, *args, force=False, port=8000, **options):
        if not settings.DEBUG and not force:
            raise CommandError("seed_demo creates users with the password 'demo': it refuses to run with "
                               "DEBUG off. Use --force if you really mean it.")
        with transaction.atomic():
            org = self.seed()
        self.stdout.write(self.style.SUCCESS(f"Demo organization '{org.name}' ready."))
        self.stdout.write("Logins (password 'demo'): " + ", ".join(u[0] for u in USERS))
        self.stdout.write(f"Open http://127.0.0.1:{port}/accounts/login/ — e.g. agent1 / demo, supervisor1 / demo")

    def seed(self) -> Organization:
        org = Organization.objects.filter(slug="demo").first()
        if org is None:
            org = organizations.organization_create(name="Demo", slug="demo")
        organizations.organization_setup_defaults(organization=org)
        users = {}
        for username, role, first, last in USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = organizations.user_create(
                    organization=org, username=username, password=PASSWORD, role=role,
                    first_name=first, last_name=last, email=f"{username}@demo.example",
                )
            users[username] = user
        skills = {name: Skill.objects.get_or_create(organization=org, name=name)[0]
                  for name in ("Español", "Inglés", "Facturación")}
        for i, username in enumerate(u for u in users if u.startswith("agent")):
            AgentSkill.objects.get_or_create(organization=org, agent=users[username], skill=skills["Español"],
                                             defaults={"level": 8})
            if i % 2 == 0:
                AgentSkill.objects.get_or_create(organization=org, agent=users[username], skill=skills["Inglés"],
                                                 defaults={"level": 5 + i % 4})
        for code, name, minutes in PAUSES:
            StatusDefinition.objects.get_or_create(
                organization=org, code=code,
                defaults={"kind": StatusDefinition.Kind.PAUSE, "name": name, "max_minutes": minutes},
            )
        dispositions = [Disposition.objects.get_or_create(organization=org, name=name,
                                                          defaults={"reschedules": reschedules})[0]
                        for name, reschedules in DISPOSITIONS]
        for name, color in TAGS:
            Tag.objects.get_or_create(organization=org, name=name, defaults={"color": color})
        for shortcut, title, body in CANNED:
            CannedResponse.objects.get_or_create(organization=org, owner=None, shortcut=shortcut,
                                                 defaults={"title": title, "body": body})
        CannedResponse.objects.get_or_create(
            organization=org, owner=users["agent1"], shortcut="horario",
            defaults={"title": "Horario", "body": "Nuestro horario es de 9 a 18 h, de lunes a viernes."},
        )
        office_hours = self.seed_business_hours(org)
        self.seed_schedules(org, users, office_hours)
        queue_objs = {}
        for name, kind, wrapup, members, supervisors in QUEUES:
            queue, created = QueueModel.objects.get_or_create(
                organization=org, name=name,
                defaults={
                    "kind": kind, "after_service_seconds": wrapup, "after_service_enforced": True,
                    **AUTO_REPLIES,
                },
            )
            if created:
                queue.required_skills.set([skills["Español"]])
                queue.dispositions.set(dispositions)
            if kind != "campaign" and queue.business_hours_id is None:
                queue.business_hours = office_hours
                for field, text in AUTO_REPLIES.items():
                    setattr(queue, field, getattr(queue, field) or text)
                queue.save(update_fields=["business_hours", *AUTO_REPLIES])
            for username in members:
                queues.queue_member_add(queue=queue, user=users[username])
            for username in supervisors:
                queues.queue_member_add(queue=queue, user=users[username], role=QueueMembership.Role.SUPERVISOR)
            queue_objs[name] = queue
        self.seed_rules(org, queue_objs)
        channels = {}
        for key, kind, name, queue_name, secret, provider in CHANNELS:
            channel, _ = Channel.objects.get_or_create(
                public_key=key,
                defaults={"organization": org, "kind": kind, "name": name, "queue": queue_objs[queue_name],
                          "secret": secret, "settings": provider},
            )
            channels[key] = channel
        contacts = []
        for i, (name, phone, email) in enumerate(CONTACTS):
            contact, _ = Contact.objects.get_or_create(
                organization=org, phone=phone,
                defaults={"name": name, "email": email, "channel": channels["demo-web"], "external_id": f"demo-{i}"},
            )
            contacts.append(contact)
        if not Conversation.objects.filter(organization=org).exists():
            self.seed_history(org, queue_objs, channels, contacts, users)
            self.seed_conversations(org, queue_objs, channels, contacts, users)
        return org

    def seed_history(self, org, queue_objs, channels, contacts, users):
        """30 days of past work (the agents' ledger, closed conversations) for the reports."""
        inbound = [queue_objs["Ventas"], queue_objs["Soporte"]]
        by_queue = {}
        for channel in channels.values():
            by_queue.setdefault(channel.queue_id, []).append(channel)
        agents = [user for name, user in users.items() if name.startswith("agent")]
        made = _history.generate(org, agents=agents, queues=inbound, channels=by_queue, contacts=contacts,
                                 days=HISTORY_DAYS)
        self.stdout.write(f"History: {made.conversations} conversations and {made.intervals} status intervals "
                          f"over {HISTORY_DAYS} days.")

    def seed_schedules(self, org, users, office_hours) -> None:
        """Every demo agent follows a schedule: agent1 (the demo login) a 24-hour on-call one, so
        work reaches them whenever the demo is tried; the others morning, afternoon or the
        overnight shift, with a lunch break, so the panel shows adherence."""
        lunch = StatusDefinition.objects.get(organization=org, code="descanso")
        patterns = [
            ("Guardia 24 h", [(wd, time(0), time(0)) for wd in range(7)], None),
            ("Mañana L–V 8:00–15:00", [(wd, time(8), time(15)) for wd in range(5)], time(11, 30)),
            ("Tarde L–V 15:00–22:00", [(wd, time(15), time(22)) for wd in range(5)], time(18, 30)),
            ("Noche L–V 22:00–6:00", [(wd, time(22), time(6)) for wd in range(5)], time(2)),
        ]
        made = []
        for name, shifts, break_at in patterns:
            schedule, created = Schedule.objects.get_or_create(organization=org, name=name)
            if created:
                for weekday, starts, ends in shifts:
                    shift = ScheduleShift.objects.create(organization=org, schedule=schedule, weekday=weekday,
                                                         starts=starts, ends=ends)
                    if break_at:
                        ScheduleBreak.objects.create(organization=org, shift=shift, starts=break_at, minutes=30,
                                                     pause=lunch)
            made.append(schedule)
        start = timezone.localdate() - timedelta(days=HISTORY_DAYS)
        agents = [user for name, user in users.items() if name.startswith("agent")]
        for i, agent in enumerate(agents):
            schedule = made[0] if i == 0 else made[1 + (i - 1) % 3]
            AgentSchedule.objects.get_or_create(organization=org, agent=agent, valid_from=start,
                                                defaults={"schedule": schedule})
        if org.shift_holidays_id is None:
            org.shift_holidays = office_hours
            org.save(update_fields=["shift_holidays"])

    def seed_rules(self, org, queue_objs) -> None:
        """One status rule, enabled: after 20 chats in Ventas since becoming Ready, a 10-minute
        Descanso (the agent comes back by themself when it ends)."""
        rule, created = StatusRule.objects.get_or_create(
            organization=org, name="Descanso tras 20 chats",
            defaults={"trigger": StatusRule.Trigger.CONVERSATIONS_SINCE_READY, "threshold": 20,
                      "action": StatusRule.Action.PAUSE, "duration_minutes": 10,
                      "pause_reason": StatusDefinition.objects.get(organization=org, code="descanso")},
        )
        if created:
            rule.queues.set([queue_objs["Ventas"]])

    def seed_business_hours(self, org) -> BusinessHours:
        """Monday to Friday 9:00–18:00 (the organization's time zone), closed on two holidays."""
        hours, created = BusinessHours.objects.get_or_create(organization=org, name="Horario de oficina")
        if created:
            for weekday in range(5):
                BusinessHoursInterval.objects.create(organization=org, hours=hours, weekday=weekday,
                                                     opens=time(9), closes=time(18))
        year = timezone.localdate().year
        for day, name in ((date(year, 12, 25), "Navidad"), (date(year + 1, 1, 1), "Año Nuevo")):
            Holiday.objects.get_or_create(organization=org, hours=hours, date=day, defaults={"name": name})
        return hours

    def seed_conversations(self, org, queue_objs, channels, contacts, users):
        now = timezone.now()
        waiting = [
            (contacts[0], "Hola, quería información sobre la tarifa de fibra."),
            (contacts[1], "¿Podéis llamarme? No me llega la factura."),
            (contacts[2], "Buenas, ¿tenéis descuento para autónomos?"),
        ]
        for minutes, (contact, text) in zip((12, 7, 2), waiting, strict=True):
            conversations.conversation_open(
                queue=queue_objs["Ventas"], contact=contact, channel=channels["demo-web"], text=text,
                now=now - timedelta(minutes=minutes),
            )
        # An earlier, finished conversation, so contacts have history.
        old = Conversation.objects.create(
            organization=org, queue=queue_objs["Ventas"], channel=channels["demo-web"], contact=contacts[0],
            status=Conversation.Status.CLOSED, assignee=users["agent1"], enqueued_at=now - timedelta(days=2),
            assigned_at=now - timedelta(days=2, minutes=-1), first_response_at=now - timedelta(days=2, minutes=-2),
            closed_at=now - timedelta(days=2, minutes=-15), last_message_at=now - timedelta(days=2, minutes=-14),
            last_message_excerpt="Perfecto, muchas gracias.",
        )

        for offset, direction, body in [
            (0, "inbound", "Hola, ¿cuánto cuesta el plan básico?"),
            (2, "outbound", "¡Hola Carmen! El plan básico cuesta 25 € al mes."),
            (14, "inbound", "Perfecto, muchas gracias."),
        ]:
            Message.objects.create(
                organization=org, conversation=old, direction=direction, body=body,
                sender=users["agent1"] if direction == "outbound" else None,
                created_at=old.enqueued_at + timedelta(minutes=offset),
            )
