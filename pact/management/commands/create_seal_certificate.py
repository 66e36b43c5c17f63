"""Make a self-signed seal (EC P-256 key + certificate) for demos and tests."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pact.documents.seal import create_seal_certificate, seal_paths


class Command(BaseCommand):
    help = (
        "Create a self-signed EC P-256 key and certificate for sealing signed "
        "pacts, at PACT_SEAL_KEY and PACT_SEAL_CERT. For demos: production uses a "
        "certificate from a trust service provider."
    )

    def add_arguments(self, parser):
        parser.add_argument("--common-name", default="Rete Lucca In famiglia")
        parser.add_argument("--organisation", default="Rete Lucca In famiglia")
        parser.add_argument("--days", type=int, default=3650)
        parser.add_argument(
            "--force", action="store_true", help="Replace an existing key."
        )

    def handle(self, *args, common_name, organisation, days, force, **options):
        paths = seal_paths()
        if not force and (paths.key.exists() or paths.cert.exists()):
            raise CommandError(
                f"A seal already exists at {paths.key}; use --force to replace it "
                "(documents sealed with the old key stay verifiable only with the "
                "old certificate)."
            )
        if days < 1:
            raise CommandError("--days must be at least 1.")
        fingerprint = create_seal_certificate(
            key_path=Path(paths.key),
            cert_path=Path(paths.cert),
            common_name=common_name,
            organisation=organisation,
            days=days,
        )
        self.stdout.write(self.style.SUCCESS(f"Seal key:         {paths.key}"))
        self.stdout.write(self.style.SUCCESS(f"Seal certificate: {paths.cert}"))
        self.stdout.write(f"SHA-256 fingerprint: {fingerprint}")
