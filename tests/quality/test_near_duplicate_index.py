"""The near-duplicate index's compact layout: numpy arrays instead of datasketch's MinHashLSH.

Most tests file random signatures (what the index stores: 128 uint32 values per text), so
they can shape exactly which bands two texts share; test_near_duplicate.py covers real text.
"""

from __future__ import annotations

import gc
import tracemalloc

import numpy as np
import pytest

from quality.checks import NearDuplicateIndex
from tests.quality.conftest import ESSAY_EN, ESSAY_ZH

rng = np.random.default_rng(20250611)


def _signatures(count: int) -> np.ndarray:
    return rng.integers(0, 2**32, size=(count, 128), dtype=np.uint64).astype(np.uint32)


def _filled(signatures: np.ndarray, **ids) -> NearDuplicateIndex:
    index = NearDuplicateIndex()
    for number, signature in enumerate(signatures):
        index.add("", submission_id=str(number), question_id="answer", signature=signature, **ids)
    return index


def _sharing_bands(signature: np.ndarray, bands: list[int], rows: int = 3) -> np.ndarray:
    """A random signature with the same values as ``signature`` in ``bands`` only."""
    other = _signatures(1)[0]
    for band in bands:
        other[band * rows : (band + 1) * rows] = signature[band * rows : (band + 1) * rows]
    return other


def test_the_index_grows_past_its_initial_capacity_and_finds_every_text():
    signatures = _signatures(3 * NearDuplicateIndex.INITIAL_CAPACITY + 7)
    index = _filled(signatures)
    assert len(index) == len(signatures)
    assert index.capacity >= len(signatures) > NearDuplicateIndex.INITIAL_CAPACITY
    for number in (0, 255, 256, 400, len(signatures) - 1):
        matches = index.query(signature=signatures[number])
        assert [(m.submission_id, m.similarity) for m in matches] == [(str(number), 1.0)]


def test_a_revision_replaces_the_earlier_text_across_growth():
    signatures = _signatures(600)
    index = NearDuplicateIndex()
    index.add("", submission_id="1", question_id="answer", signature=signatures[0])
    index.add("", submission_id="1", question_id="reason", signature=signatures[1])
    for number in range(2, 500):  # the arrays are reallocated and the tables rebuilt
        index.add(
            "", submission_id=str(number + 10), question_id="answer", signature=signatures[number]
        )
    index.add("", submission_id="1", question_id="answer", signature=signatures[599])
    assert index.query(signature=signatures[0], min_similarity=0.0) == []
    assert [m.question_id for m in index.query(signature=signatures[599])] == ["answer"]
    assert [m.question_id for m in index.query(signature=signatures[1])] == ["reason"]
    assert len(index) == 500
    assert index.remove("1") == 2
    assert index.query(signature=signatures[599]) == []
    assert index.query(signature=signatures[1]) == []
    assert index.remove("1") == 0
    assert len(index) == 498


def test_removed_texts_give_their_room_back_when_the_arrays_are_full():
    capacity = NearDuplicateIndex.INITIAL_CAPACITY
    signatures = _signatures(capacity + 1)
    index = _filled(signatures[:capacity])
    for number in range(10, capacity):
        index.remove(str(number))
    index.add("", submission_id="new", question_id="answer", signature=signatures[capacity])
    assert index.capacity == capacity  # compacted in place of growing
    assert len(index) == 11
    assert [m.submission_id for m in index.query(signature=signatures[capacity])] == ["new"]
    assert [m.submission_id for m in index.query(signature=signatures[3])] == ["3"]
    assert index.query(signature=signatures[100]) == []


def test_a_shared_band_makes_a_candidate_that_the_jaccard_estimate_then_rejects():
    stored = _signatures(1)[0]
    index = NearDuplicateIndex()
    index.add("", submission_id="1", signature=stored)
    one_band = _sharing_bands(stored, [5])
    assert index.candidate_count(one_band) == 1
    assert index.query(signature=one_band, min_similarity=0.5) == []
    matches = index.query(signature=one_band, min_similarity=0.0)
    assert [m.similarity for m in matches] == [pytest.approx(3 / 128)]
    close = stored.copy()
    close[1::2] = _signatures(1)[0][1::2]  # half the values differ, so no band is shared
    assert index.candidate_count(close) == 0
    assert index.query(signature=close, min_similarity=0.0) == []  # LSH: no shared band


def test_equal_slots_without_equal_band_values_are_no_candidates():
    index = NearDuplicateIndex()
    stored = _signatures(1)[0]
    index.add("", submission_id="1", signature=stored)
    tables = index._buckets
    stored_slot = tables.slots(index._band_hashes(stored[None, :3], 0))
    # Other values of band 0 that land in the same slot (a few hundred slots: found quickly).
    while True:
        probe = _signatures(1)[0]
        if tables.slots(index._band_hashes(probe[None, :3], 0)) == stored_slot:
            break
    assert not np.array_equal(probe[:3], stored[:3])
    assert index.candidate_count(probe) == 0
    assert index.candidate_count(_sharing_bands(stored, [0])) == 1


def test_many_texts_sharing_all_bands_are_all_found():
    signature = _signatures(1)[0]
    index = NearDuplicateIndex()
    for number in range(300):  # one long run per band, far past the cells read at once
        index.add("", submission_id=str(number), signature=signature)
    other = _signatures(1)[0]
    index.add("", submission_id="other", signature=other)
    matches = index.query(signature=signature, limit=1000)
    assert sorted(int(m.submission_id) for m in matches) == list(range(300))
    assert [m.submission_id for m in index.query(signature=other)] == ["other"]
    assert index.remove("7") == 1
    assert len(index.query(signature=signature, limit=1000)) == 299


def test_ids_come_back_as_they_were_given():
    signatures = _signatures(5)
    index = NearDuplicateIndex()
    given = [
        ("12", "answer", "3", "40"),
        ("007", "2", None, None),
        ("S-1", "", "trainer@example.org", "T1"),
        ("0", "reason", "0", "99999999999999999999999"),  # past int64: interned
        ("9" * 18, "answer", "-5", "12"),
    ]
    for (submission, question, trainer, task), signature in zip(given, signatures, strict=True):
        index.add(
            "",
            submission_id=submission,
            question_id=question,
            trainer_id=trainer,
            task_id=task,
            signature=signature,
        )
    for ids, signature in zip(given, signatures, strict=True):
        match = index.query(signature=signature)[0]
        assert (match.submission_id, match.question_id, match.trainer_id, match.task_id) == ids
    assert index.query(signature=signatures[1], exclude_submission="007") == []
    assert index.query(signature=signatures[1], exclude_submission="7") != []


def test_bulk_filing_answers_as_filing_one_by_one():
    signatures = _signatures(700)
    one_by_one = NearDuplicateIndex()
    bulk = NearDuplicateIndex()
    submissions = [str(number % 650) for number in range(700)]  # 50 revisions in the batch
    for index in (one_by_one, bulk):
        index.add("", submission_id="3", question_id="answer", signature=signatures[0])
        index.add("", submission_id="9999", question_id="answer", signature=signatures[1])
    for number in range(700):
        one_by_one.add(
            "",
            submission_id=submissions[number],
            question_id="answer",
            trainer_id="5",
            signature=signatures[number],
        )
    filed = bulk.add_signatures(
        signatures,
        submission_ids=submissions,
        question_ids=["answer"] * 700,
        trainer_ids=["5"] * 700,
        task_ids=[None] * 700,
    )
    assert filed == 650
    assert len(bulk) == len(one_by_one) == 651
    for signature in signatures[::7]:
        assert bulk.query(signature=signature, min_similarity=0.0) == one_by_one.query(
            signature=signature, min_similarity=0.0
        )
    assert bulk.to_bytes() == one_by_one.to_bytes()


def test_bulk_filing_refuses_signatures_of_another_length():
    index = NearDuplicateIndex()
    with pytest.raises(ValueError, match="128"):
        index.add_signatures(
            np.zeros((2, 64), np.uint32),
            submission_ids=["1", "2"],
            question_ids=["a", "a"],
            trainer_ids=[None, None],
            task_ids=[None, None],
        )
    with pytest.raises(ValueError, match="128"):
        index.add("", submission_id="1", signature=np.zeros(64, np.uint32))
    assert len(index) == 0


def test_a_restored_index_answers_the_same_after_growth_and_removals():
    signatures = _signatures(900)
    index = _filled(signatures, trainer_id="8")
    for number in range(0, 900, 3):
        index.remove(str(number))
    index.add(ESSAY_EN, submission_id="essay", question_id="answer")
    index.add(ESSAY_ZH, submission_id="zh", question_id="answer")
    restored = NearDuplicateIndex.from_bytes(index.to_bytes())
    assert len(restored) == len(index) == 602
    for number in (0, 1, 2, 451, 899):
        assert restored.query(signature=signatures[number]) == index.query(
            signature=signatures[number]
        )
    assert [m.submission_id for m in restored.query(ESSAY_ZH)] == ["zh"]


def test_memory_per_text_stays_under_one_kilobyte():
    # given: signatures computed beforehand, so only what the index keeps is measured
    count = 2000
    signatures = _signatures(count)
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        # when
        index = NearDuplicateIndex()
        for number, signature in enumerate(signatures):
            index.add(
                "",
                submission_id=str(10_000 + number),
                question_id="answer",
                trainer_id=str(number % 40),
                task_id=str(number // 3),
                signature=signature,
            )
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    # then: datasketch's MinHashLSH held about 10 KB per text
    assert len(index) == count
    assert held / count < 1024
    assert index.nbytes <= held


# --- sequences: a submission compares only with what came before it ----------------------


def _same_text_at(sequences: list[int]) -> tuple[NearDuplicateIndex, np.ndarray]:
    signature = _signatures(1)[0]
    index = NearDuplicateIndex()
    for sequence in sequences:
        index.add(
            "", submission_id=str(sequence), question_id="a", signature=signature, sequence=sequence
        )
    return index, signature


def test_a_query_keeps_to_texts_before_or_after_a_sequence():
    index, signature = _same_text_at([10, 20, 30])
    before = index.query(signature=signature, before_sequence=20)
    after = index.query(signature=signature, after_sequence=10)
    assert [match.sequence for match in before] == [10]
    assert [match.sequence for match in after] == [20, 30]
    assert len(index.query(signature=signature)) == 3


def test_equal_scores_name_the_earlier_text_whatever_order_they_were_filed_in():
    # a lagging worker files the later text first
    index, signature = _same_text_at([30, 10, 20])
    matches = index.query(signature=signature, limit=3)
    assert [match.submission_id for match in matches] == ["10", "20", "30"]


def test_removing_one_question_of_a_submission_keeps_its_others():
    first, second = _signatures(2)
    index = NearDuplicateIndex()
    index.add("", submission_id="1", question_id="a", signature=first)
    index.add("", submission_id="1", question_id="b", signature=second)
    assert index.remove("1", "a") == 1
    assert index.query(signature=first) == []
    assert [m.question_id for m in index.query(signature=second)] == ["b"]


def test_a_restored_index_keeps_its_sequences():
    index, signature = _same_text_at([10, 20])
    restored = NearDuplicateIndex.from_bytes(index.to_bytes())
    assert [m.sequence for m in restored.query(signature=signature, before_sequence=20)] == [10]


def test_an_index_written_before_sequences_reads_them_as_zero():
    import json
    import struct

    index, signature = _same_text_at([10])
    data = index.to_bytes()
    magic, version, length = struct.unpack_from("<4sHI", data)
    header = json.loads(data[10 : 10 + length])
    header["entries"] = [entry[:4] for entry in header["entries"]]  # the four-field form
    old = json.dumps(header).encode()
    data = struct.pack("<4sHI", magic, version, len(old)) + old + data[10 + length :]
    restored = NearDuplicateIndex.from_bytes(data)
    assert [m.sequence for m in restored.query(signature=signature)] == [0]
