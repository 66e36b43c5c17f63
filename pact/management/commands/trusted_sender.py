"""Register, list and remove trusted senders (whose handovers are accepted)."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from pact.models import TrustedSender
from pact.services.trust import trusted_sender_add, trusted_sender_remove


class Command(BaseCommand):
    help = (
        "Trusted senders: the sending networks whose handover bundles this "
        "instance accepts, by their seal certificate. "
        "'add NAME CERTIFICATE', 'list', 'remove FINGERPRINT'."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True)
        add = actions.add_parser("add", help="Register a sender by its certificate.")
        add.add_argument("name")
        add.add_argument("certificate", type=Path, help="PEM or DER file.")
        actions.add_parser("list", help="List the trusted senders.")
        remove = actions.add_parser("remove", help="Stop trusting a sender.")
        remove.add_argument("fingerprint", help="SHA-256 (hex, colons allowed).")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _add(self, *, name, certificate, **options):
        if not certificate.is_file():
            raise CommandError(f"{certificate} is not a file.")
        try:
            sender = trusted_sender_add(
                name=name, certificate=certificate.read_bytes(), by=None
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(f"Subject:     {sender.subject}")
        self.stdout.write(f"Fingerprint: {sender.fingerprint_display}")
        self.stdout.write(self.style.SUCCESS(f"ADDED: {sender.name}"))

    def _list(self, **options):
        senders = TrustedSender.objects.all()
        for sender in senders:
            until = sender.valid_until.date().isoformat() if sender.valid_until else ""
            self.stdout.write(
                f"{sender.fingerprint}  {sender.name}  (valid until {until})"
            )
        self.stdout.write(f"{len(senders)} trusted senders.")

    def _remove(self, *, fingerprint, **options):
        wanted = fingerprint.replace(":", "").strip().lower()
        sender = TrustedSender.objects.filter(fingerprint=wanted).first()
        if sender is None:
            raise CommandError(f"No trusted sender with fingerprint {fingerprint}.")
        trusted_sender_remove(sender=sender, by=None)
        self.stdout.write(self.style.SUCCESS(f"REMOVED: {sender.name}"))
