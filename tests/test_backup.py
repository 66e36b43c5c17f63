"""`manage.py backup` and `manage.py restore`, as an operator runs them.

The round trips back up a database with members and a sealed, signed adhesion
(its PDF and an export in the private folder), restore the archive
into a fresh, empty instance started with the production settings (another
SQLite file, or a scratch PostgreSQL database), and check that rows and files
are identical and that the signed PDF still verifies there.
"""

import hashlib
import io
import json
import os
import secrets
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection

from crm.models import Member
from pact.documents.seal import create_seal_certificate
from tests.pact.adhesion_fixtures import make_open_version, signed_in_person

BASE_DIR = Path(settings.BASE_DIR)
# What the dumps compare: the network, its pacts and registrations, accounts.
DUMPED = ["crm", "pact", "cms.registration", "auth.user", "auth.group"]


@pytest.fixture(scope="module", autouse=True)
def _reference_data_back(django_db_blocker):
    """The round trips flush the test database after they run; put the rows of
    the data migrations back, so later tests and --reuse-db runs have them."""
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)


def _seed(network):
    """Members, a sealed signed adhesion and an export (both in the private folder)."""
    create_seal_certificate(
        key_path=settings.PACT_SEAL_KEY,
        cert_path=settings.PACT_SEAL_CERT,
        common_name="Rete Lucca In famiglia",
        organisation="Rete Lucca In famiglia",
    )
    adhesion = signed_in_person(
        make_open_version(), network.org_x, network.coordinator, network.legal_rep_x
    )
    exports = Path(settings.PRIVATE_MEDIA_ROOT) / "exports"
    exports.mkdir(parents=True, exist_ok=True)
    call_command("export_signed_pacts", "-o", str(exports / "patti.zip"), verbosity=0)
    return adhesion


def _tree(root: Path) -> dict[str, str]:
    return {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(root.rglob("*"))
        if path.is_file()
    }


def _instance_env(tmp_path, database_url):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("DJANGO_")
        and key not in {"DATABASE_URL", "TEST_DB_SUFFIX", "SEAL_DIR", "DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="rete.example.it",
        SITE_URL="https://rete.example.it",
        DATABASE_URL=database_url,
        MEDIA_ROOT=str(tmp_path / "restored" / "media"),
        PRIVATE_MEDIA_ROOT=str(tmp_path / "restored" / "private"),
        PACT_SEAL_CERT=str(tmp_path / "restored" / "seal" / "seal-cert.pem"),
        PACT_SEAL_KEY=str(tmp_path / "restored" / "seal" / "seal-key.pem"),
    )
    return env


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _dump_here():
    out = io.StringIO()
    call_command("dumpdata", *DUMPED, indent=1, stdout=out)
    return json.loads(out.getvalue())


def _round_trip(network, tmp_path, database_url):
    adhesion = _seed(network)
    archive = tmp_path / "backup.tar.gz"
    out = io.StringIO()
    call_command("backup", "-o", str(archive), stdout=out)
    assert "Backup written" in out.getvalue()
    assert oct(archive.stat().st_mode & 0o777) == "0o600"
    source_rows = _dump_here()
    source_media = _tree(Path(settings.MEDIA_ROOT))
    source_private = _tree(Path(settings.PRIVATE_MEDIA_ROOT))
    assert any(name.startswith("pacts/signed/") for name in source_private)
    assert not any(name.startswith("pacts/") for name in source_media)
    assert "exports/patti.zip" in source_private

    env = _instance_env(tmp_path, database_url)
    restored = _manage(env, "restore", str(archive))
    assert restored.returncode == 0, restored.stderr
    assert "row counts match the archive" in restored.stdout

    dumped = _manage(env, "dumpdata", *DUMPED, "--indent", "1")
    assert dumped.returncode == 0, dumped.stderr
    assert json.loads(dumped.stdout) == source_rows
    root = tmp_path / "restored"
    assert _tree(root / "media") == source_media
    assert _tree(root / "private") == source_private
    assert (root / "seal" / "seal-cert.pem").read_bytes() == Path(
        settings.PACT_SEAL_CERT
    ).read_bytes()
    # The seal's private key stays out of a backup unless asked for.
    assert not (root / "seal" / "seal-key.pem").exists()

    pdf = root / "private" / adhesion.document.name
    verified = _manage(env, "verify_pact", str(pdf))
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "GENUINE" in verified.stdout

    # The restored instance is no longer empty: a second restore is refused.
    again = _manage(env, "restore", str(archive))
    assert again.returncode != 0
    assert "This instance is not empty" in again.stderr


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite round trip")
def test_round_trip_on_sqlite(network, tmp_path):
    _round_trip(network, tmp_path, f"sqlite:///{tmp_path / 'restored.sqlite3'}")


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="needs DATABASE_URL on PostgreSQL"
)
def test_round_trip_on_postgresql(network, tmp_path):
    import psycopg

    s = connection.settings_dict
    scratch = f"restore_scratch_{secrets.token_hex(4)}"
    admin = psycopg.connect(
        dbname="postgres",
        user=s.get("USER") or None,
        password=s.get("PASSWORD") or None,
        host=s.get("HOST") or None,
        port=s.get("PORT") or None,
        autocommit=True,
    )
    admin.execute(f'CREATE DATABASE "{scratch}"')
    try:
        auth = s.get("USER") or ""
        if s.get("PASSWORD"):
            auth += f":{s['PASSWORD']}"
        url = (
            f"postgres://{auth}@{s.get('HOST') or 'localhost'}:{s.get('PORT') or 5432}"
        )
        _round_trip(network, tmp_path, f"{url}/{scratch}")
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')
        admin.close()


# --- refusals: clear messages, nothing written ---------------------------------


@pytest.fixture
def archive(transactional_db, django_db_serialized_rollback, network, tmp_path):
    # Committed data: SQLite's backup API cannot read past the open
    # transaction of a plain ``db`` test.
    path = tmp_path / "backup.tar.gz"
    call_command("backup", "-o", str(path), stdout=io.StringIO())
    return path


def _rewrite(archive: Path, target: Path, change):
    """Copy ``archive`` member by member; ``change(name, data)`` returns the new
    (name, data), or None to drop the member."""
    with tarfile.open(archive, "r:gz") as src, tarfile.open(target, "w:gz") as dst:
        for member in src:
            data = src.extractfile(member).read()
            changed = change(member.name, data)
            if changed is None:
                continue
            name, data = changed
            info = tarfile.TarInfo(name)
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    return target


def _manifest_edit(edit):
    def change(name, data):
        if name == "manifest.json":
            manifest = json.loads(data)
            edit(manifest)
            return name, json.dumps(manifest).encode()
        return name, data

    return change


def _state():
    media = Path(settings.MEDIA_ROOT)
    return Member.objects.count(), _tree(media) if media.exists() else {}


def _refused(path, message, *options):
    before = _state()
    with pytest.raises(CommandError) as refusal:
        call_command("restore", str(path), *options, stdout=io.StringIO())
    assert message in str(refusal.value)
    assert _state() == before
    leftovers = list(Path(settings.MEDIA_ROOT).parent.glob(".restore-*"))
    assert leftovers == []
    return str(refusal.value)


def test_restore_refuses_an_instance_that_holds_data(archive, network):
    message = _refused(archive, "This instance is not empty")
    assert "crm.Member" in message and "--force" in message


def test_restore_refuses_a_truncated_archive(archive, tmp_path):
    broken = tmp_path / "truncated.tar.gz"
    broken.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    _refused(broken, "is not a readable backup archive (damaged or truncated)")
    _refused(broken, "damaged or truncated", "--check")


def test_restore_refuses_something_that_is_not_an_archive(tmp_path, db):
    # Refused before the database is looked at.
    junk = tmp_path / "notes.tar.gz"
    junk.write_text("not a backup")
    _refused(junk, "is not a readable backup archive")
    _refused(tmp_path / "missing.tar.gz", "No such file")


def test_restore_refuses_an_altered_file(archive, tmp_path):
    def change(name, data):
        if name.startswith("database/"):
            return name, data[:-1] + bytes([data[-1] ^ 1])
        return name, data

    altered = _rewrite(archive, tmp_path / "altered.tar.gz", change)
    _refused(altered, "Checksum mismatch for database/", "--force")


def test_restore_refuses_a_manifest_of_the_wrong_shape(archive, tmp_path):
    def files_as_text(manifest):
        name = next(iter(manifest["files"]))
        manifest["files"][name] = "not an entry"

    def migrations_as_text(manifest):
        manifest["migrations"] = "crm.0001"

    broken = _rewrite(archive, tmp_path / "files.tar.gz", _manifest_edit(files_as_text))
    _refused(broken, "lists no files", "--force")
    broken = _rewrite(
        archive, tmp_path / "migrations.tar.gz", _manifest_edit(migrations_as_text)
    )
    _refused(broken, "does not list its migrations", "--force")


def test_restore_refuses_missing_and_unlisted_files(archive, tmp_path):
    dropped = _rewrite(
        archive,
        tmp_path / "dropped.tar.gz",
        lambda n, d: None if n.startswith("database/") else (n, d),
    )
    _refused(dropped, "lacks files its manifest lists", "--force")

    def unlist_database(manifest):
        del manifest["files"][next(k for k in manifest["files"] if "database/" in k)]

    unlisted = _rewrite(
        archive, tmp_path / "unlisted.tar.gz", _manifest_edit(unlist_database)
    )
    _refused(unlisted, "holds files its manifest omits", "--force")


def test_restore_refuses_unsafe_names(archive, tmp_path):
    evil = _rewrite(
        archive,
        tmp_path / "evil.tar.gz",
        lambda n, d: ("media/../../evil.txt", d) if "database/" in n else (n, d),
    )
    _refused(evil, "unexpected entry", "--force")
    assert not (tmp_path / "evil.txt").exists()


def test_restore_refuses_another_engine(archive, tmp_path):
    def swap(name, data):
        if name == "database/db.sqlite3":
            return "database/db.dump", data
        if name == "manifest.json":
            manifest = json.loads(data)
            manifest["engine"] = "postgresql"
            files = manifest["files"]
            files["database/db.dump"] = files.pop("database/db.sqlite3")
            return name, json.dumps(manifest).encode()
        return name, data

    if connection.vendor != "sqlite":
        pytest.skip("rewrites a SQLite archive")
    other = _rewrite(archive, tmp_path / "other.tar.gz", swap)
    _refused(other, "holds a PostgreSQL database; this instance uses SQLite", "--force")


def test_restore_refuses_an_archive_from_newer_code(archive, tmp_path):
    newer = _rewrite(
        archive,
        tmp_path / "newer.tar.gz",
        _manifest_edit(lambda m: m["migrations"]["crm"].append("9999_from_the_future")),
    )
    _refused(newer, "newer version of the application", "--force")


def test_check_reports_an_intact_archive(archive):
    out = io.StringIO()
    call_command("restore", str(archive), "--check", stdout=out)
    assert "intact" in out.getvalue()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_backup_contents_and_seal_key_only_on_request(network, tmp_path):
    create_seal_certificate(
        key_path=settings.PACT_SEAL_KEY,
        cert_path=settings.PACT_SEAL_CERT,
        common_name="Rete",
    )
    plain = tmp_path / "plain.tar.gz"
    call_command("backup", "-o", str(plain), stdout=io.StringIO())
    with tarfile.open(plain) as tar:
        names = tar.getnames()
        manifest = json.load(tar.extractfile("manifest.json"))
    assert "seal/seal-cert.pem" in names and "seal/seal-key.pem" not in names
    assert manifest["engine"] == connection.vendor
    assert manifest["counts"]["crm.Member"] == Member.objects.count()
    assert "0001_initial" in manifest["migrations"]["crm"]
    assert manifest["includes_seal_key"] is False

    folder = tmp_path / "backups"
    folder.mkdir()
    call_command(
        "backup", "-o", str(folder), "--include-seal-key", stdout=io.StringIO()
    )
    (keyed,) = folder.glob("lucca-in-famiglia-*.tar.gz")
    with tarfile.open(keyed) as tar:
        assert "seal/seal-key.pem" in tar.getnames()

    with pytest.raises(CommandError, match="already exists"):
        call_command("backup", "-o", str(plain), stdout=io.StringIO())


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's backup API")
def test_backup_refuses_to_run_inside_a_transaction(db, tmp_path):
    with pytest.raises(CommandError, match="inside a database transaction"):
        call_command("backup", "-o", str(tmp_path / "b.tar.gz"), stdout=io.StringIO())
    assert list(tmp_path.iterdir()) == []
