"""The register of signatures is a tamper-evident chain."""

import hashlib

from pact.documents.chain import (
    GENESIS,
    ChainRecord,
    build_chain,
    chain_head,
    next_previous,
    verify_chain,
)


def _hashes(n):
    return [hashlib.sha256(f"pdf {i}".encode()).hexdigest() for i in range(n)]


def test_each_record_stores_the_hash_of_the_one_signed_before_it():
    hashes = _hashes(3)
    chain = build_chain(hashes)
    assert [r.previous for r in chain] == [GENESIS, hashes[0], hashes[1]]
    assert next_previous(chain) == hashes[2]
    assert next_previous([]) == GENESIS


def test_an_untouched_chain_verifies():
    check = verify_chain(build_chain(_hashes(5)))
    assert check.ok and check.count == 5 and check.broken_at is None
    assert verify_chain([]).ok


def test_changing_a_document_hash_breaks_the_next_link():
    chain = build_chain(_hashes(5))
    chain[2] = ChainRecord(sha256=_hashes(6)[5], previous=chain[2].previous)
    check = verify_chain(chain)
    assert not check.ok and check.broken_at == 3


def test_removing_a_record_is_noticed_where_it_was():
    chain = build_chain(_hashes(5))
    del chain[1]
    assert verify_chain(chain).broken_at == 1


def test_swapping_two_records_is_noticed():
    chain = build_chain(_hashes(4))
    chain[1], chain[2] = chain[2], chain[1]
    assert verify_chain(chain).broken_at == 1


def test_inserting_a_record_is_noticed():
    chain = build_chain(_hashes(3))
    chain.insert(2, ChainRecord(sha256=_hashes(9)[8], previous=chain[1].sha256))
    assert verify_chain(chain).broken_at == 3


def test_a_first_record_not_starting_from_genesis_is_noticed():
    chain = build_chain(_hashes(3))[1:]
    assert verify_chain(chain).broken_at == 0


def test_garbage_and_repeated_documents_are_refused():
    assert not verify_chain([ChainRecord("not-a-hash", GENESIS)]).ok
    twice = _hashes(1) * 2
    assert verify_chain(build_chain(twice)).broken_at == 1


def test_rewriting_every_link_still_changes_the_published_head():
    hashes = _hashes(4)
    original = build_chain(hashes)
    forged = build_chain([*hashes[:2], _hashes(7)[6], hashes[3]])
    assert verify_chain(forged).ok  # self-consistent forgery…
    assert chain_head(forged) != chain_head(original)  # …but the head moved
    assert chain_head(original) == chain_head(build_chain(hashes))
