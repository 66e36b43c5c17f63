"""A certificate authority and a time-stamping authority made for the test run.

certomancer builds the PKI (a root CA, the network's seal certificate and a
TSA certificate it issued, a CRL) from the configuration below, and its
aiohttp "animator" serves the CRL and the RFC 3161 TSA over HTTP on
127.0.0.1, on a port of this run: the code under test talks to it exactly as
it would to a provider's, and nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from functools import cached_property
from pathlib import Path

from aiohttp import web
from certomancer.integrations.aiohttp_animator import build_animator_app
from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig, KeyLabel
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import load_der_x509_certificate
from pyhanko.sign.signers import SimpleSigner
from pyhanko_certvalidator.registry import SimpleCertificateStore

ARCH = "lucca"
KEYS = ("root", "seal", "tsa")
LONG_AGO, FAR_AHEAD = "2020-01-01T00:00:00+0000", "2100-01-01T00:00:00+0000"


def _config(prefix: str) -> dict:
    validity = {"valid-from": LONG_AGO, "valid-to": FAR_AHEAD}
    return {
        "external-url-prefix": prefix,
        "keysets": {
            "test": {"keys": {name: {"path": f"{name}.key.pem"} for name in KEYS}}
        },
        "pki-architectures": {
            ARCH: {
                "keyset": "test",
                "entity-defaults": {"country-name": "IT"},
                "entities": {
                    "root": {"common-name": "CA di prova", "organization-name": "Test"},
                    "seal": {
                        "common-name": "Rete Lucca In famiglia",
                        "organization-name": "Comune di Lucca",
                    },
                    "tsa": {"common-name": "TSA di prova", "organization-name": "Test"},
                },
                "certs": {
                    "root": {
                        "subject": "root",
                        "issuer": "root",
                        "validity": validity,
                        "profiles": [
                            {"id": "simple-ca", "params": {"crl-repo": "root"}}
                        ],
                    },
                    "seal": {
                        "subject": "seal",
                        "issuer": "root",
                        "validity": validity,
                        "profiles": ["digsig-commitment"],
                    },
                    "tsa": {
                        "subject": "tsa",
                        "issuer": "root",
                        "validity": validity,
                        "extensions": [
                            {
                                "id": "extended_key_usage",
                                "critical": True,
                                "value": ["time_stamping"],
                            }
                        ],
                    },
                },
                "services": {
                    "crl-repo": {
                        "root": {
                            "for-issuer": "root",
                            "signing-key": "root",
                            "simulated-update-schedule": "P10D",
                        }
                    },
                    "time-stamping": {
                        "tsa": {"signing-key": "tsa", "signing-cert": "tsa"}
                    },
                },
            }
        },
    }


class LocalPki:
    """The PKI, its HTTP services, and the files production would be given."""

    def __init__(self, folder: Path):
        self.folder = folder
        for name in KEYS:
            key = ec.generate_private_key(ec.SECP256R1())
            (folder / f"{name}.key.pem").write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self.prefix = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        config = CertomancerConfig(_config(self.prefix), key_search_dir=str(folder))
        self.arch = config.get_pki_arch(ArchLabel(ARCH))
        self._serve()

    def _serve(self) -> None:
        app = build_animator_app({self.arch.arch_label: self.arch}, with_web_ui=False)
        loop = asyncio.new_event_loop()
        runner = web.AppRunner(app, access_log=None)
        loop.run_until_complete(runner.setup())
        loop.run_until_complete(web.SockSite(runner, self._socket).start())
        threading.Thread(target=loop.run_forever, daemon=True).start()

    @property
    def tsa_url(self) -> str:
        return f"{self.prefix}/{ARCH}/tsa/tsa"

    def cert(self, label: str):
        return self.arch.get_cert(CertLabel(label))

    def pem_file(self, label: str) -> Path:
        path = self.folder / f"{label}.cert.pem"
        cert = load_der_x509_certificate(self.cert(label).dump())
        path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        return path

    @cached_property
    def seal_signer(self) -> SimpleSigner:
        return SimpleSigner(
            signing_cert=self.cert("seal"),
            signing_key=self.arch.key_set.get_private_key(KeyLabel("seal")),
            cert_registry=SimpleCertificateStore.from_certs([self.cert("root")]),
        )

    def seal_pkcs12(self, passphrase: bytes) -> Path:
        """The seal as a provider hands it over: key, certificate and chain."""
        key = serialization.load_pem_private_key(
            (self.folder / "seal.key.pem").read_bytes(), password=None
        )
        data = pkcs12.serialize_key_and_certificates(
            b"sigillo",
            key,
            load_der_x509_certificate(self.cert("seal").dump()),
            [load_der_x509_certificate(self.cert("root").dump())],
            serialization.BestAvailableEncryption(passphrase),
        )
        path = self.folder / "sigillo.p12"
        path.write_bytes(data)
        return path
