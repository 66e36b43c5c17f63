"""Backup and restore of a whole instance.

A backup is one ``.tar.gz`` archive:

- ``database/db.sqlite3`` (SQLite, taken with the online backup API) or
  ``database/db.dump`` (PostgreSQL, ``pg_dump`` custom format);
- ``media/…`` the tree of ``MEDIA_ROOT`` (Wagtail's images and documents);
- ``private/…`` the tree of ``PRIVATE_MEDIA_ROOT`` (signed pacts and the scans
  or signed files they came from, exports, handover bundles, pending imports);
- ``seal/seal-cert.pem``, the seal's certificate, and ``seal/seal-key.pem``, its
  private key, only when asked for (``include_seal_key``): the key is a secret;
- ``manifest.json``: when and from which engine, the migrations applied per
  app, the SHA-256 and size of every file, and row counts of the key tables.

Restoring verifies the whole archive (readable, every file listed with the
right checksum, nothing else, no unsafe names, same database engine, no
migration this code does not know) in a staging folder before it touches
anything; it then refuses an instance that already holds data unless forced;
the database is replaced in one step (the SQLite backup API, ``pg_restore
--single-transaction``) and only then are the file trees swapped in by rename.
"""

import datetime
import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.db import connections, transaction
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

FORMAT = "lucca-in-famiglia-backup"
VERSION = 1
MANIFEST = "manifest.json"
DB_FILES = {"sqlite": "database/db.sqlite3", "postgresql": "database/db.dump"}
ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
SEAL_CERT = "seal/seal-cert.pem"
SEAL_KEY = "seal/seal-key.pem"
_PREFIXES = ("database/", "media/", "private/", "seal/")

# Counted in the manifest, so a restore can be checked at a glance.
COUNTED_MODELS = [
    "auth.User",
    "crm.Member",
    "crm.Person",
    "crm.Affiliation",
    "crm.Consent",
    "cms.Registration",
    "pact.Pact",
    "pact.PactVersion",
    "pact.Adhesion",
    "pact.Contribution",
    "pact.HandoverBatch",
    "wagtailcore.Page",
]
# Any row in one of these means the instance is in use: a restore over it needs
# --force. (A freshly migrated database has pages, groups and reference data,
# but none of these.)
DATA_MODELS = [
    "auth.User",
    "crm.Member",
    "crm.Person",
    "cms.Registration",
    "pact.Pact",
    "pact.Adhesion",
]
_CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why."""


@dataclass
class Result:
    path: Path
    manifest: dict


# --- helpers -----------------------------------------------------------------


def engine_of(connection) -> str:
    if connection.vendor in ENGINE_NAMES:
        return connection.vendor
    raise BackupError(f"Unsupported database engine: {connection.vendor}.")


def _media_roots():
    media = Path(settings.MEDIA_ROOT)
    private = Path(settings.PRIVATE_MEDIA_ROOT)
    return [("media", media), ("private", private)]


def _walk(root: Path, exclude: Path | None = None):
    """Regular files under ``root``, sorted, as (relative posix path, path)."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames.sort()
        here = Path(dirpath)
        if exclude is not None and (here == exclude or exclude in here.parents):
            dirnames[:] = []
            continue
        for name in sorted(filenames):
            path = here / name
            if path.is_symlink() or not path.is_file():
                continue
            yield path.relative_to(root).as_posix(), path


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_env_and_args(connection):
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    env = {**os.environ}
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    options = s.get("OPTIONS") or {}
    if options.get("sslmode"):
        env["PGSSLMODE"] = str(options["sslmode"])
    return env, args, str(s["NAME"])


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not on the PATH: install the PostgreSQL client tools "
            "(the same major version as the server)."
        )
    return found


def _run_pg(cmd, env, what):
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' '.join(detail[-3:])}")


def applied_migrations(connection) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        return {}
    applied: dict[str, list[str]] = {}
    for app_label, name in recorder.applied_migrations():
        applied.setdefault(app_label, []).append(name)
    return {app: sorted(names) for app, names in sorted(applied.items())}


def row_counts(connection, labels=COUNTED_MODELS) -> dict[str, int]:
    tables = set(connection.introspection.table_names())
    counts = {}
    for label in labels:
        model = apps.get_model(label)
        if model._meta.db_table in tables:
            counts[label] = model._base_manager.using(connection.alias).count()
        else:
            counts[label] = 0
    return counts


# --- backup ------------------------------------------------------------------


def _dump_database(connection, engine, target: Path):
    """Dump the database to ``target``; return the applied migrations and row
    counts *of the dump* (the application may keep writing meanwhile)."""
    connection.ensure_connection()
    if connection.in_atomic_block:
        # SQLite: this connection's own writes would hold the backup off for
        # ever; PostgreSQL: pg_dump could not see them.
        raise BackupError("A backup cannot run inside a database transaction.")
    if engine == "sqlite":
        destination = sqlite3.connect(target)
        try:
            connection.connection.backup(destination)
            return _sqlite_facts(destination)
        finally:
            destination.close()
    env, args, name = _pg_env_and_args(connection)
    with transaction.atomic(using=connection.alias):
        with connection.cursor() as cursor:
            # One snapshot for the counts here and for pg_dump.
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()
        facts = applied_migrations(connection), row_counts(connection)
        cmd = [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--snapshot={snapshot}",
            "--file",
            str(target),
            *args,
            "--dbname",
            name,
        ]
        _run_pg(cmd, env, "pg_dump")
    return facts


def _sqlite_facts(db) -> tuple[dict, dict]:
    tables = {
        row[0]
        for row in db.execute("SELECT name FROM sqlite_master WHERE type='table'")
    }
    applied: dict[str, list[str]] = {}
    if "django_migrations" in tables:
        for app_label, name in db.execute("SELECT app, name FROM django_migrations"):
            applied.setdefault(app_label, []).append(name)
    counts = {}
    for label in COUNTED_MODELS:
        table = apps.get_model(label)._meta.db_table
        counts[label] = (
            db.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            if table in tables
            else 0
        )
    migrations = {app: sorted(names) for app, names in sorted(applied.items())}
    return migrations, counts


class _HashingReader(io.RawIOBase):
    def __init__(self, handle):
        self.handle = handle
        self.digest = hashlib.sha256()

    def readable(self):
        return True

    def read(self, size=-1):
        data = self.handle.read(size)
        self.digest.update(data)
        return data


def create_backup(
    output: Path, *, include_seal_key: bool = False, using: str = "default"
) -> Result:
    """Write the archive to ``output`` (a file, or a folder to put it in)."""
    try:
        return _create_backup(output, include_seal_key=include_seal_key, using=using)
    except OSError as exc:
        raise BackupError(f"The backup could not be written: {exc}") from exc


def _create_backup(output: Path, *, include_seal_key: bool, using: str) -> Result:
    connection = connections[using]
    engine = engine_of(connection)
    now = datetime.datetime.now(datetime.UTC)
    output = Path(output)
    if output.is_dir():
        output = output / f"lucca-in-famiglia-{now:%Y%m%d-%H%M%S}.tar.gz"
    if output.exists():
        raise BackupError(f"{output} already exists: choose another name.")
    if not output.parent.is_dir():
        raise BackupError(f"The folder {output.parent} does not exist.")

    entries: list[tuple[str, Path]] = []
    with tempfile.TemporaryDirectory(prefix="backup-") as staging:
        db_file = Path(staging) / Path(DB_FILES[engine]).name
        migrations, counts = _dump_database(connection, engine, db_file)
        entries.append((DB_FILES[engine], db_file))
        media_root = Path(settings.MEDIA_ROOT)
        private_root = Path(settings.PRIVATE_MEDIA_ROOT)
        for rel, path in _walk(media_root, exclude=private_root):
            entries.append((f"media/{rel}", path))
        for rel, path in _walk(private_root):
            entries.append((f"private/{rel}", path))
        cert, key = Path(settings.PACT_SEAL_CERT), Path(settings.PACT_SEAL_KEY)
        if cert.is_file():
            entries.append((SEAL_CERT, cert))
        if include_seal_key:
            if not key.is_file():
                raise BackupError(f"No seal key at {key}: nothing to include.")
            entries.append((SEAL_KEY, key))

        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "created_at": now.isoformat(timespec="seconds"),
            "engine": engine,
            "migrations": migrations,
            "counts": counts,
            "includes_seal_key": include_seal_key,
            "files": {},
        }
        fd, partial = tempfile.mkstemp(
            prefix=f".{output.name}.", suffix=".partial", dir=output.parent
        )
        os.close(fd)
        os.chmod(partial, 0o600)  # personal data: readable by the owner only
        try:
            with tarfile.open(partial, "w:gz", compresslevel=6) as tar:
                for arcname, path in entries:
                    info = tarfile.TarInfo(arcname)
                    with path.open("rb") as handle:
                        info.size = os.fstat(handle.fileno()).st_size
                        info.mtime = int(os.fstat(handle.fileno()).st_mtime)
                        info.mode = 0o600
                        reader = _HashingReader(handle)
                        tar.addfile(info, reader)
                    manifest["files"][arcname] = {
                        "sha256": reader.digest.hexdigest(),
                        "size": info.size,
                    }
                data = json.dumps(manifest, indent=1, sort_keys=True).encode()
                info = tarfile.TarInfo(MANIFEST)
                info.size = len(data)
                info.mtime = int(now.timestamp())
                info.mode = 0o600
                tar.addfile(info, io.BytesIO(data))
            os.replace(partial, output)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
    return Result(output, manifest)


# --- restore -----------------------------------------------------------------


def _safe_name(name: str) -> str:
    path = PurePosixPath(name)
    if (
        path.is_absolute()
        or ".." in path.parts
        or not path.parts
        or "\\" in name
        or not (name == MANIFEST or name.startswith(_PREFIXES))
    ):
        raise BackupError(f"The archive holds an unexpected entry: {name!r}.")
    return path.as_posix()


def _extract_and_verify(archive: Path, staging: Path) -> dict:
    """Unpack into ``staging`` and check every file against the manifest."""
    digests: dict[str, str] = {}
    manifest_bytes = None
    # A hostile or damaged archive must not fill the disk the media live on.
    room = shutil.disk_usage(staging).free * 0.9
    unpacked = 0
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                name = _safe_name(member.name)
                if member.isdir():
                    continue
                if not member.isfile():
                    raise BackupError(
                        f"The archive holds an entry that is not a file: {name!r}."
                    )
                if name in digests or (name == MANIFEST and manifest_bytes):
                    raise BackupError(f"The archive holds {name!r} twice.")
                source = tar.extractfile(member)
                if name == MANIFEST:
                    manifest_bytes = source.read(10 * 1024 * 1024 + 1)
                    continue
                target = staging / name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest = hashlib.sha256()
                with target.open("wb") as out:
                    while chunk := source.read(_CHUNK):
                        unpacked += len(chunk)
                        if unpacked > room:
                            raise BackupError(
                                "Not enough disk space to unpack the archive beside "
                                "the media folder: nothing was restored."
                            )
                        digest.update(chunk)
                        out.write(chunk)
                digests[name] = digest.hexdigest()
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise BackupError(
            f"{archive.name} is not a readable backup archive (damaged or "
            f"truncated): {exc}"
        ) from exc
    except OSError as exc:
        raise BackupError(f"Cannot unpack {archive.name}: {exc}") from exc

    if manifest_bytes is None:
        raise BackupError(f"{archive.name} has no {MANIFEST}: not a backup archive.")
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError as exc:
        raise BackupError(f"The archive's {MANIFEST} is not valid JSON.") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{archive.name} is not a backup of this application.")
    if manifest.get("version") != VERSION:
        raise BackupError(
            f"Backup format version {manifest.get('version')!r} is not supported "
            f"(this version reads {VERSION})."
        )
    files = manifest.get("files")
    if not isinstance(files, dict) or not all(
        isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
        for entry in files.values()
    ):
        raise BackupError(f"The archive's {MANIFEST} lists no files.")
    migrations = manifest.get("migrations") or {}
    if not isinstance(migrations, dict) or not all(
        isinstance(names, list) and all(isinstance(n, str) for n in names)
        for names in migrations.values()
    ):
        raise BackupError(f"The archive's {MANIFEST} does not list its migrations.")
    missing = sorted(set(files) - set(digests))
    extra = sorted(set(digests) - set(files))
    if missing:
        raise BackupError(f"The archive lacks files its manifest lists: {missing[:5]}")
    if extra:
        raise BackupError(f"The archive holds files its manifest omits: {extra[:5]}")
    for name, expected in files.items():
        if digests[name] != expected.get("sha256"):
            raise BackupError(
                f"Checksum mismatch for {name}: the archive is damaged or was altered."
            )
    engine = manifest.get("engine")
    if engine not in DB_FILES or DB_FILES[engine] not in files:
        raise BackupError("The archive holds no database dump.")
    return manifest


def _unknown_migrations(manifest, connection) -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    return [
        f"{app}.{name}"
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
        if (app, name) not in known
    ]


def _pending_migrations(manifest) -> int:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    applied = {
        (app, name)
        for app, names in (manifest.get("migrations") or {}).items()
        for name in names
    }
    return len(set(loader.disk_migrations) - applied)


def _obstacles(connection, staging: Path) -> list[str]:
    """What the target instance already holds."""
    found = []
    held = {k: v for k, v in row_counts(connection, DATA_MODELS).items() if v}
    if held:
        summary = ", ".join(f"{count} {label}" for label, count in held.items())
        found.append(f"the database already holds data ({summary})")
    for _prefix, root in _media_roots():
        if root.is_dir() and any(root.iterdir()):
            found.append(f"{root} is not empty")
    for arcname, target in _seal_targets():
        staged = staging / arcname
        if (
            staged.is_file()
            and target.is_file()
            and target.read_bytes() != staged.read_bytes()
        ):
            found.append(f"a different seal file exists at {target}")
    return found


def _seal_targets():
    return [
        (SEAL_CERT, Path(settings.PACT_SEAL_CERT)),
        (SEAL_KEY, Path(settings.PACT_SEAL_KEY)),
    ]


def _restore_database(connection, engine, dump: Path):
    if engine == "sqlite":
        connection.ensure_connection()
        if connection.in_atomic_block:
            raise BackupError("Cannot restore inside a database transaction.")
        source = sqlite3.connect(dump)
        try:
            source.backup(connection.connection)
        except sqlite3.Error as exc:
            raise BackupError(f"The SQLite restore failed: {exc}") from exc
        finally:
            source.close()
    else:
        env, args, name = _pg_env_and_args(connection)
        connection.close()  # no session of ours holds locks on what is replaced
        cmd = [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-privileges",
            "--single-transaction",
            "--exit-on-error",
            *args,
            "--dbname",
            name,
            str(dump),
        ]
        _run_pg(cmd, env, "pg_restore")


def _check_writable(roots) -> None:
    """Before the database is touched: every media folder can be replaced."""
    for root in roots:
        where = root if root.exists() else root.parent
        if not os.access(where, os.W_OK) or (
            not os.path.ismount(root) and not os.access(root.parent, os.W_OK)
        ):
            raise BackupError(
                f"{root} cannot be written by this user: nothing was restored."
            )


def _swap_in(staged: Path, root: Path):
    """Replace ``root`` with ``staged``: renames when on one filesystem.

    A media folder that is a mount point (a volume) cannot be renamed: its
    contents are replaced instead.
    """
    root.parent.mkdir(parents=True, exist_ok=True)
    if os.path.ismount(root):
        for entry in list(root.iterdir()):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink()
        for entry in list(staged.iterdir()):
            shutil.move(str(entry), str(root / entry.name))
        return
    old = None
    if root.exists():
        old = root.with_name(f".{root.name}.before-restore")
        if old.exists():
            shutil.rmtree(old)
        os.replace(root, old)
    try:
        shutil.move(str(staged), str(root))
    except BaseException:
        if old is not None:
            os.replace(old, root)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def verify_archive(archive: Path) -> dict:
    """Check an archive completely without restoring it."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No such file: {archive}.")
    with tempfile.TemporaryDirectory(prefix="restore-check-") as staging:
        return _extract_and_verify(archive, Path(staging))


def restore_backup(archive: Path, *, force: bool = False, using: str = "default"):
    """Bring an archive back into this instance; returns (manifest, pending)."""
    try:
        return _restore_backup(archive, force=force, using=using)
    except OSError as exc:
        raise BackupError(f"The restore could not write its files: {exc}") from exc


def _restore_backup(archive: Path, *, force: bool, using: str):
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"No such file: {archive}.")
    connection = connections[using]
    engine = engine_of(connection)
    media_root = Path(settings.MEDIA_ROOT)
    media_root.parent.mkdir(parents=True, exist_ok=True)
    # Staged beside the media so the trees are swapped in by rename.
    staging = Path(tempfile.mkdtemp(prefix=".restore-", dir=media_root.parent))
    try:
        manifest = _extract_and_verify(archive, staging)
        if manifest["engine"] != engine:
            raise BackupError(
                f"The archive holds a {ENGINE_NAMES[manifest['engine']]} database; "
                f"this instance uses {ENGINE_NAMES[engine]}. Restore it into an "
                f"instance with the same engine."
            )
        unknown = _unknown_migrations(manifest, connection)
        if unknown:
            raise BackupError(
                "The archive was made by a newer version of the application: "
                f"migrations {', '.join(unknown[:5])} are unknown here. Update the "
                "code first."
            )
        if not force:
            obstacles = _obstacles(connection, staging)
            if obstacles:
                raise BackupError(
                    "This instance is not empty: "
                    + "; ".join(obstacles)
                    + ". Restore into an empty instance, or use --force to "
                    "replace everything."
                )
        _check_writable([root for _prefix, root in _media_roots()])
        _restore_database(connection, engine, staging / DB_FILES[engine])
        for prefix, root in _media_roots():
            staged = staging / prefix
            staged.mkdir(parents=True, exist_ok=True)
            _swap_in(staged, root)
        for arcname, target in _seal_targets():
            staged = staging / arcname
            if staged.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(staged, target)
                if arcname == SEAL_KEY:
                    os.chmod(target, 0o600)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return manifest, _pending_migrations(manifest)
