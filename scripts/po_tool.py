"""Help the translation pass: export untranslated Italian entries, fill them back.

    python scripts/po_tool.py export OUT.json [--only PREFIX ...] [--skip PREFIX ...]
    python scripts/po_tool.py fill IN.json [IN2.json ...]

The export lists entries as {"msgid", "msgid_plural", "msgctxt", "where"}; a
translator adds "msgstr" (or "msgstr_plural": [one, other]) to each.
"""

import json
import sys
from pathlib import Path

import polib

PO = Path(__file__).resolve().parent.parent / "locale/it/LC_MESSAGES/django.po"


def _key(entry):
    return (entry.msgctxt or "", entry.msgid, entry.msgid_plural or "")


def export(out, only, skip):
    catalog = polib.pofile(str(PO))
    rows = []
    for entry in catalog:
        if entry.obsolete or (entry.translated() and "fuzzy" not in entry.flags):
            continue
        where = [path for path, _line in entry.occurrences]
        first = where[0] if where else ""
        if only and not any(first.startswith(p) for p in only):
            continue
        if skip and any(first.startswith(p) for p in skip):
            continue
        rows.append(
            {
                "msgid": entry.msgid,
                "msgid_plural": entry.msgid_plural or "",
                "msgctxt": entry.msgctxt or "",
                "where": where[:3],
            }
        )
    Path(out).write_text(json.dumps(rows, ensure_ascii=False, indent=1), "utf-8")
    print(f"{len(rows)} entries to translate -> {out}")


def fill(paths):
    catalog = polib.pofile(str(PO))
    by_key = {_key(e): e for e in catalog}
    filled = 0
    for path in paths:
        for row in json.loads(Path(path).read_text("utf-8")):
            entry = by_key.get(
                (row.get("msgctxt", ""), row["msgid"], row.get("msgid_plural", ""))
            )
            if entry is None:
                continue
            if entry.msgid_plural:
                plural = row.get("msgstr_plural") or []
                if len(plural) == 2 and all(plural):
                    entry.msgstr_plural = {0: plural[0], 1: plural[1]}
                    filled += 1
            elif row.get("msgstr"):
                entry.msgstr = row["msgstr"]
                filled += 1
            else:
                continue
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
    catalog.save(str(PO))
    print(f"{filled} entries filled")


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    if command == "export":
        out, rest = args[0], args[1:]
        only = [rest[i + 1] for i, a in enumerate(rest) if a == "--only"]
        skip = [rest[i + 1] for i, a in enumerate(rest) if a == "--skip"]
        export(out, only, skip)
    elif command == "fill":
        fill(args)
    else:
        raise SystemExit(__doc__)
