"""Signed-pact documents: archival PDFs, the seal, verification, handover bundles.

Model-independent: everything here works from plain dataclasses, so the
adhesion and handover services feed it whatever their models hold.

- :mod:`.context` – what a signed pact says (dataclasses, embedded JSON)
- :mod:`.pdf` – PDF/A-3b rendering with WeasyPrint, QR code and short code
- :mod:`.seal` – PAdES seal with pyHanko and its validation
- :mod:`.verify` – read a PDF back and decide whether it is genuine
- :mod:`.bundle` – the handover ZIP: streamed writer and strict reader
- :mod:`.chain` – the tamper-evident register of signatures
"""
