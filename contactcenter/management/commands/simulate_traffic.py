"""Customers writing and calling, for demos and load: opens conversations through the services."""

import random
import time

from django.core.management.base import BaseCommand, CommandError

from contactcenter.models import Channel, Contact, Organization, Queue
from contactcenter.services import conversations

FIRST = ["Carmen", "Javier", "Rosa", "Andrés", "Isabel", "Tomás", "Nuria", "Raúl", "Pilar", "Óscar"]
LAST = ["Ortega", "Molina", "Delgado", "Ramos", "Herrera", "Cruz", "Iglesias", "Medina", "Prieto", "Gil"]
TEXTS = [
    "Hola, quería información sobre mi factura.",
    "¿Podéis ayudarme a cambiar mi tarifa?",
    "No me funciona la conexión desde ayer.",
    "Buenas, ¿cuál es el horario de la tienda?",
    "Quiero darme de baja del servicio.",
    "¿Tenéis alguna oferta para clientes nuevos?",
]


class Command(BaseCommand):
    help = "Open conversations with inbound messages in the demo queues at a given rate, then stop."

    def add_arguments(self, parser):
        parser.add_argument("--rate", type=float, default=1.0, help="Conversations per second.")
        parser.add_argument("--duration", type=float, default=30.0, help="Seconds to run.")
        parser.add_argument("--organization", default="demo", help="Organization slug.")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args, rate, duration, organization, seed, **options):
        if rate <= 0 or rate > 500:
            raise CommandError("--rate must be between 0 and 500 per second.")
        if duration <= 0 or duration > 24 * 3600:
            raise CommandError("--duration must be between 0 and 86400 seconds.")
        org = Organization.objects.filter(slug=organization).first()
        if org is None:
            raise CommandError(f"No organization '{organization}'. Run `python manage.py seed_demo` first.")
        queues = list(Queue.objects.filter(organization=org, is_active=True).exclude(kind=Queue.Kind.CAMPAIGN))
        if not queues:
            raise CommandError("The organization has no active chat or voice queue.")
        rng = random.Random(seed)
        channels = {q.pk: Channel.objects.filter(organization=org, queue=q).first() for q in queues}
        interval = 1.0 / rate
        started = time.monotonic()
        opened = 0
        while time.monotonic() - started < duration:
            queue = rng.choice(queues)
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            phone = f"+346{rng.randrange(10**7, 10**8)}"
            contact = Contact.objects.create(organization=org, name=name, phone=phone)
            conversations.conversation_open(
                queue=queue, contact=contact, channel=channels[queue.pk],
                text=rng.choice(TEXTS) if queue.kind == Queue.Kind.CHAT else "",
            )
            opened += 1
            next_at = started + opened * interval
            time.sleep(max(0.0, next_at - time.monotonic()))
        elapsed = time.monotonic() - started
        self.stdout.write(f"simulate_traffic: {opened} conversations in {elapsed:.1f} s ({opened / elapsed:.2f}/s)")
