"""The handover import against damaged and hostile bundles.

A genuine bundle from instance A (sealed PDFs, as ``test_handover_import``
builds it) is damaged byte by byte, its manifest rewritten value by value, and
replaced by ZIPs built to attack the reader: path traversal, absolute names,
symlinks, duplicates, nested archives, zip bombs whose size is declared and
ones whose size is a lie. ``import_handover`` and ``verify_bundle`` must answer
every one with a refusal that lists reasons (``CommandError``, exit status 1)
or — for a bundle still intact in substance — an import; a refusal writes no
row and no file, and nothing is ever written outside the media folder.
"""

import io
import json
import stat
import struct
import zipfile
import zlib
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.utils import translation
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pact.documents.bundle import MANIFEST
from tests.conftest import log_in

from .test_handover import delivered, signed, version
from .test_handover_import import _files, _state, become_instance_b, instance_a

pytestmark = pytest.mark.django_db

# Fixtures, imported to be used here.
__all__ = ["delivered", "instance_a", "signed", "version"]

GIB = 1024**3


class Bundle(bytes):
    def __repr__(self):  # a failing example prints this, not 300 kB
        return f"<bundle of {len(self)} bytes>"


@pytest.fixture
def bundle(instance_a, settings, tmp_path):
    """Instance B, empty, holding the bytes of A's genuine bundle."""
    become_instance_b(settings, tmp_path)
    return Bundle(instance_a["bundle"])


@contextmanager
def rolled_back():
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def run(command: str, data: bytes, folder) -> tuple[bool, str]:
    """``(accepted, output)`` of a command on a file holding ``data``."""
    path = folder / "consegna.zip"
    path.write_bytes(data)
    out = io.StringIO()
    try:
        call_command(command, str(path), stdout=out, stderr=io.StringIO())
    except CommandError as error:
        assert error.returncode == 1, error
        return False, str(error)
    return True, out.getvalue()


def outside(root, settings) -> set:
    """Every file under the test's folder but outside the instance's media and
    private folders (where an import stores the signed documents)."""
    stores = (Path(settings.MEDIA_ROOT), Path(settings.PRIVATE_MEDIA_ROOT))
    return {
        p
        for p in root.rglob("*")
        if p.is_file() and not any(p.is_relative_to(store) for store in stores)
    }


def check(data: bytes, settings, tmp_path) -> bool:
    """Import ``data``: a refusal gives reasons and leaves everything as it was."""
    folder = tmp_path / "in"
    folder.mkdir(exist_ok=True)
    with translation.override("it"), rolled_back():
        state, files, others = _state(), _files(settings), outside(tmp_path, settings)
        verified, report = run("verify_bundle", data, folder)
        accepted, output = run("import_handover", data, folder)
        if not accepted:
            assert output.startswith("REFUSED") and "\n  - " in output, output
            assert _state() == state, "a refused import wrote rows"
            assert _files(settings) == files, "a refused import left files"
        else:
            assert verified, "imported a bundle that verify_bundle refuses"
            assert "IMPORTED." in output
        assert outside(tmp_path, settings) == others | {folder / "consegna.zip"}
    if not verified:
        assert report.startswith("INVALID BUNDLE") and "\n  - " in report, report
    return accepted


# --- byte-level damage ------------------------------------------------------------


@st.composite
def damaged(draw, data: bytes) -> bytes:
    how = draw(st.sampled_from(["truncate", "flip", "splice", "zero"]))
    if how == "truncate":
        return data[: draw(st.integers(0, len(data) - 1))]
    buffer = bytearray(data)
    if how == "flip":
        for _ in range(draw(st.integers(1, 6))):
            at = draw(st.integers(0, len(buffer) - 1))
            buffer[at] ^= 1 << draw(st.integers(0, 7))
        return bytes(buffer)
    at = draw(st.integers(0, len(buffer) - 1))
    if how == "zero":
        size = draw(st.integers(1, 4096))
        buffer[at : at + size] = bytes(len(buffer[at : at + size]))
        return bytes(buffer)
    return bytes(buffer[:at]) + draw(st.binary(min_size=1, max_size=512)) + data[at:]


@hsettings(max_examples=max(5, hsettings().max_examples // 2))
@given(data=st.data())
def test_a_damaged_bundle_is_refused_with_reasons_and_nothing_written(
    bundle, settings, tmp_path, data
):
    check(data.draw(damaged(bundle)), settings, tmp_path)


# --- a rewritten manifest -----------------------------------------------------------


def rezip(original: bytes, manifest: bytes | None = None, drop=()) -> bytes:
    """The same bundle with another manifest, without the entries in ``drop``."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(original)) as source:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename in drop:
                    continue
                body = source.read(info)
                if info.filename == MANIFEST and manifest is not None:
                    body = manifest
                target.writestr(info.filename, body)
    return out.getvalue()


def manifest_of(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return json.loads(zf.read(MANIFEST))


def paths(value, prefix=()):
    """Every path to a value inside the manifest."""
    yield prefix
    if isinstance(value, dict):
        for key, item in value.items():
            yield from paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from paths(item, (*prefix, index))


def replaced(document, path, new):
    if not path:
        return new
    head, *rest = path
    if not (
        isinstance(document, dict)
        and head in document
        or isinstance(document, list)
        and isinstance(head, int)
        and head < len(document)
    ):
        raise KeyError(path)  # an earlier change removed the place
    copy = document.copy()
    copy[head] = replaced(document[head], rest, new)
    return copy


HOSTILE_TEXT = [
    "",
    " ",
    "x" * 5000,
    "A\x00B",
    "../../evil",
    "/etc/passwd",
    "=cmd|' /C calc'!A0",
    "2020-13-45T99:00:00",
    "2020-11-12T10:00:00",  # no time zone
    "ffff",
    "0" * 64,
    "\u202e",
    "😀" * 300,
]
json_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(min_value=-(2**70), max_value=2**70),
        st.floats(allow_nan=False, allow_infinity=False),
        st.sampled_from(HOSTILE_TEXT),
        st.text(max_size=20),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.text(max_size=8), children, max_size=3),
    ),
    max_leaves=6,
)


@hsettings(max_examples=max(5, hsettings().max_examples))
@given(data=st.data())
def test_a_rewritten_manifest_is_refused_or_imported_whole(
    bundle, settings, tmp_path, data
):
    manifest = manifest_of(bundle)
    everywhere = [p for p in paths(manifest) if p]
    changes = data.draw(st.lists(st.sampled_from(everywhere), min_size=1, max_size=3))
    for path in changes:
        try:
            manifest = replaced(manifest, path, data.draw(json_values))
        except (KeyError, IndexError):
            continue  # an earlier change removed the place
    check(rezip(bundle, json.dumps(manifest).encode()), settings, tmp_path)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"{",
        b"\xff\xfe{}",
        b"null",
        b"[]",
        b'"manifest"',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"format": ' + b"9" * 5000 + b"}",
        b'{"count": NaN, "format_version": Infinity}',
    ],
    ids=["empty", "cut", "utf16", "null", "list", "string", "deep", "bigint", "nan"],
)
def test_a_garbage_manifest_is_refused(bundle, settings, tmp_path, raw):
    assert not check(rezip(bundle, raw), settings, tmp_path)


def test_a_pact_text_that_is_not_the_expected_json_is_refused(
    bundle, settings, tmp_path
):
    """The canonical text is hashed, but its shape is the sender's to choose."""
    from pact.canonical import sha256_hex

    texts = [
        "not json",
        "[1, 2]",
        '{"articles": ["x"]}',
        '{"articles": 5}',
        '{"network_roles": [{"code": null}]}',
        '{"preamble": 5, "articles": [{"title": "' + "x" * 5000 + '"}]}',
    ]
    for text in texts:
        # With adhesions, their PDFs pin the text's hash; with none, only the
        # manifest does.
        manifest = manifest_of(bundle)
        manifest["pact_version"]["canonical_text"] = text
        manifest["pact_version"]["text_sha256"] = sha256_hex(text)
        signed = rezip(bundle, json.dumps(manifest).encode())
        assert not check(signed, settings, tmp_path), text
        pdfs = [name for name in manifest["files"] if name.startswith("pdf/")]
        for name in pdfs:
            del manifest["files"][name]
        manifest["adhesions"], manifest["count"] = [], 0
        bare = rezip(bundle, json.dumps(manifest).encode(), drop=pdfs)
        assert not check(bare, settings, tmp_path), text


UNSTORABLE = {
    "member name": (("adhesions", 0, "member", "name"), "x" * 201),
    "partita IVA": (("adhesions", 0, "member", "partita_iva"), "1" * 30),
    "codice fiscale": (("adhesions", 0, "member", "codice_fiscale"), "X" * 30),
    "signatory": (("adhesions", 1, "signatory_name"), "Maria " + "y" * 101),
    "role code": (("adhesions", 0, "network_role_code"), "c" * 51),
    "role name": (("adhesions", 0, "network_role_name"), "n" * 101),
    "previous hash": (("adhesions", 0, "previous_sha256"), "p" * 65),
    "pact title": (("pact_version", "pact_title"), "t" * 256),
    "pact slug": (("pact_version", "pact_slug"), "s" * 101),
    "version number": (("pact_version", "number"), 2**40),
    "negative version": (("pact_version", "number"), -1),
    "NUL in a name": (("adhesions", 1, "member", "name"), "Famiglia\x00Aranci"),
    "NUL in a commitment": (("adhesions", 0, "commitments"), ["a\x00b"]),
}


@pytest.mark.parametrize("change", UNSTORABLE, ids=list(UNSTORABLE))
def test_values_this_database_cannot_hold_are_refused_not_crashed_on(
    bundle, settings, tmp_path, change
):
    """Not pinned by the signed PDFs, these are the sender's to write: longer
    than the columns (PostgreSQL refuses them), NUL characters, numbers out of
    range."""
    path, value = UNSTORABLE[change]
    manifest = replaced(manifest_of(bundle), path, value)

    assert not check(rezip(bundle, json.dumps(manifest).encode()), settings, tmp_path)


def test_the_genuine_bundle_still_imports(bundle, settings, tmp_path):
    assert check(bundle, settings, tmp_path)


# --- ZIPs built to attack the reader --------------------------------------------------


def with_entry(bundle: bytes, name: str, body: bytes = b"x", **info) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
            for item in source.infolist():
                target.writestr(item, source.read(item))
            entry = zipfile.ZipInfo(name)
            for key, value in info.items():
                setattr(entry, key, value)
            target.writestr(entry, body)
    return out.getvalue()


def symlink_to(bundle: bytes, target: str) -> bytes:
    """A symlink entry named like a PDF the manifest lists."""
    name = next(n for n in manifest_of(bundle)["files"] if n.startswith("pdf/"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source:
        with zipfile.ZipFile(out, "w") as zf:
            for item in source.infolist():
                if item.filename == name:
                    link = zipfile.ZipInfo(name)
                    link.external_attr = (stat.S_IFLNK | 0o777) << 16
                    link.create_system = 3
                    zf.writestr(link, target)
                else:
                    zf.writestr(item, source.read(item))
    return out.getvalue()


def nested(bundle: bytes) -> bytes:
    """The whole bundle inside another ZIP, as a PDF the manifest lists."""
    name = next(n for n in manifest_of(bundle)["files"] if n.startswith("pdf/"))
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(bundle)) as source:
        with zipfile.ZipFile(out, "w") as zf:
            for item in source.infolist():
                body = bundle if item.filename == name else source.read(item)
                zf.writestr(item.filename, body)
    return out.getvalue()


HOSTILE_ZIPS = {
    "not a zip": lambda b: b"%PDF-1.7\n" + b"\x00" * 100,
    "empty file": lambda b: b"",
    "empty zip": lambda b: b"PK\x05\x06" + b"\x00" * 18,
    "traversal": lambda b: with_entry(b, "../evil.txt"),
    "deep traversal": lambda b: with_entry(b, "pdf/../../../../tmp/evil.pdf"),
    "absolute": lambda b: with_entry(b, "/tmp/evil.txt"),
    "drive letter": lambda b: with_entry(b, "C:/evil.txt"),
    "backslash": lambda b: with_entry(b, "..\\evil.txt"),
    "control character": lambda b: with_entry(b, "pdf/evil\x1b.pdf"),
    "duplicate manifest": lambda b: with_entry(b, MANIFEST, b"{}"),
    "extra file": lambda b: with_entry(b, "readme.txt"),
    "encrypted flag": lambda b: with_entry(b, "pdf/x.pdf", flag_bits=0x1),
    "symlink": lambda b: symlink_to(b, "/etc/passwd"),
    "nested zip": nested,
}


@pytest.mark.parametrize("attack", HOSTILE_ZIPS, ids=list(HOSTILE_ZIPS))
def test_a_hostile_zip_is_refused_and_nothing_is_written_anywhere(
    bundle, settings, tmp_path, attack
):
    with _quiet():
        data = HOSTILE_ZIPS[attack](bundle)
    assert not check(data, settings, tmp_path)


@contextmanager
def _quiet():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        yield


# --- zip bombs: refused before anything is inflated ----------------------------------


def raw_zip(entries) -> bytes:
    """A ZIP written by hand: ``(name, deflated, crc, declared_size)`` entries,
    so the declared sizes can be whatever an attacker writes."""
    out, central = io.BytesIO(), []
    for name, deflated, crc, size in entries:
        offset = out.tell()
        encoded = name.encode()
        header = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50, 20, 0, 8, 0, 0x21, crc, len(deflated), size, len(encoded), 0,
        )  # fmt: skip
        out.write(header + encoded + deflated)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                20,
                20,
                0,
                8,
                0,
                0x21,
                crc,
                len(deflated),
                size,
                len(encoded),
                0,
                0,
                0,
                0,
                0,
                offset,
            )  # fmt: skip
            + encoded
        )
    start = out.tell()
    directory = b"".join(central)
    out.write(directory)
    out.write(
        struct.pack(
            "<IHHHHIIH",
            0x06054B50,
            0,
            0,
            len(central),
            len(central),
            len(directory),
            start,
            0,
        )  # fmt: skip
    )
    return out.getvalue()


_BOMB: dict = {}


def deflated_zeros(size: int) -> tuple[bytes, int]:
    """``size`` zero bytes (a multiple of 1 MiB) deflated, and their CRC-32.

    One MiB is deflated after a full flush, so its blocks refer to nothing
    before them; repeated, they inflate to ``size`` bytes, built in a blink
    and never held in memory."""
    if size not in _BOMB:
        chunk = bytes(1024**2)
        squeeze = zlib.compressobj(9, zlib.DEFLATED, -15)
        segment = squeeze.compress(chunk) + squeeze.flush(zlib.Z_FULL_FLUSH)
        crc = 0
        for _ in range(size // len(chunk)):
            crc = zlib.crc32(chunk, crc)
        _BOMB[size] = (segment * (size // len(chunk)) + squeeze.flush(), crc)
    return _BOMB[size]


@pytest.fixture
def inflated(monkeypatch):
    """How many bytes zlib inflated, whatever the reader kept of them."""
    counted = {"bytes": 0}
    original = zipfile._get_decompressor

    class Counting:
        def __init__(self, inner):
            self._inner = inner

        def decompress(self, data, max_length=0):
            out = self._inner.decompress(data, max_length)
            counted["bytes"] += len(out)
            return out

        def __getattr__(self, name):
            return getattr(self._inner, name)

    def counting(compress_type):
        inner = original(compress_type)
        return None if inner is None else Counting(inner)

    monkeypatch.setattr(zipfile, "_get_decompressor", counting)
    return counted


@pytest.mark.parametrize("name", [MANIFEST, "pdf/bomba.pdf", "registry.csv"])
def test_a_declared_gigabyte_is_refused_before_inflating(
    bundle, settings, tmp_path, inflated, name
):
    deflated, crc = deflated_zeros(GIB)
    data = raw_zip([(name, deflated, crc, GIB)])
    assert len(data) < 2 * 1024**2  # the bomb is small on disk

    assert not check(data, settings, tmp_path)
    assert inflated["bytes"] == 0


def test_a_gigabyte_declared_as_a_kilobyte_stops_at_the_kilobyte(
    bundle, settings, tmp_path, inflated
):
    """Sizes in the header are a lie: reading stops where they say, and the
    checksum no longer matches."""
    deflated, crc = deflated_zeros(GIB)
    data = raw_zip([(MANIFEST, deflated, crc, 1024)])

    assert not check(data, settings, tmp_path)
    assert inflated["bytes"] <= 2 * 1024**2  # two commands: a chunk or so each


# --- the liaison's acknowledgement ------------------------------------------------


def test_an_acknowledgement_note_with_a_nul_is_kept_without_it(
    client, liaison, delivered
):
    """PostgreSQL cannot store a NUL: the note keeps everything else."""
    from django.urls import reverse

    from pact.models import HandoverStatus

    log_in(client, liaison)
    response = client.post(
        reverse("pact:handover_acknowledge", args=[delivered.pk]),
        {"note": "Ricevuto\x00 e verificato." + "x" * 3000},
    )

    assert response.status_code == 302
    delivered.refresh_from_db()
    assert delivered.status == HandoverStatus.ACKNOWLEDGED
    assert delivered.acknowledgement_note.startswith("Ricevuto e verificato.xxx")
