"""The evidence log's hash chain (issue 11 › Evidence that holds up).

Row n of a case stores `hash = SHA-256(prev_hash + canonical JSON of its content)`, where
`prev_hash` is row n−1's hash ("" for the first row) and the content is every field but
the hashes, files included by their SHA-256 (`CaseLog.content`). The case keeps the
number and hash of its last row (`log_count`, `log_head`): a service holding the case's
lock appends without reading the last row, and removing the last row is noticed too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from marketplace.core import rawsave

from ..models import Case, CaseLog


def log_append(
    case: Case,
    *,
    actor,
    role: str,
    action: str,
    from_node: str = "",
    to_node: str = "",
    comment: str = "",
    files: Iterable[dict] = (),
    data: dict | None = None,
    now,
) -> CaseLog:
    """Insert the case's next log row (the caller holds the case's lock and saves the
    case afterwards: `log_count` and `log_head` are set here, not saved)."""
    row = log_row(
        case,
        actor=actor,
        role=role,
        action=action,
        from_node=from_node,
        to_node=to_node,
        comment=comment,
        files=files,
        data=data,
        now=now,
    )
    rawsave.insert(row)
    return row


def log_row(
    case: Case,
    *,
    actor,
    role: str,
    action: str,
    from_node: str = "",
    to_node: str = "",
    comment: str = "",
    files: Iterable[dict] = (),
    data: dict | None = None,
    now,
) -> CaseLog:
    """The case's next log row, chained and hashed but not saved (`log_append` saves it;
    a sweep inserts many at once); the case's `log_count` and `log_head` move on."""
    row = CaseLog(
        case=case,
        seq=case.log_count + 1,
        actor=actor if actor is not None and actor.is_authenticated else None,
        role=role,
        action=action,
        from_node=from_node,
        to_node=to_node,
        comment=comment,
        files=list(files),
        data=data or {},
        created_at=now,
        prev_hash=case.log_head,
    )
    row.hash = row.compute_hash()
    case.log_count = row.seq
    case.log_head = row.hash
    return row


@dataclass(frozen=True)
class BrokenLink:
    case_id: int
    seq: int  # the first row that does not verify (log_count + 1: rows missing at the end)
    log_id: int | None
    reason: str

    def __str__(self) -> str:
        row = f"row id {self.log_id}" if self.log_id else "no row"
        return f"case {self.case_id}, log #{self.seq} ({row}): {self.reason}"


def _check_case(case_id: int, rows: Iterable[CaseLog], head: tuple[int, str] | None):
    expected_seq, prev = 1, ""
    for row in rows:
        if row.seq != expected_seq:
            return BrokenLink(case_id, expected_seq, row.pk, "a row is missing before this one")
        if row.prev_hash != prev:
            return BrokenLink(case_id, row.seq, row.pk, "its previous hash does not match")
        if row.compute_hash() != row.hash:
            return BrokenLink(case_id, row.seq, row.pk, "its content does not match its hash")
        prev, expected_seq = row.hash, expected_seq + 1
    if head is not None:
        count, last = head
        if count != expected_seq - 1 or last != prev:
            return BrokenLink(case_id, expected_seq, None, "rows are missing at the end")
    return None


def verify_chains(case_ids: Iterable[int] | None = None) -> Iterator[BrokenLink]:
    """The first broken row of every case whose chain does not verify (streamed: one
    pass over the log, ordered by case and number)."""
    cases = Case.objects.all()
    rows = CaseLog.objects.order_by("case_id", "seq")
    if case_ids is not None:
        case_ids = list(case_ids)
        cases = cases.filter(pk__in=case_ids)
        rows = rows.filter(case_id__in=case_ids)
    heads = {
        pk: (count, head) for pk, count, head in cases.values_list("pk", "log_count", "log_head")
    }
    current: int | None = None
    batch: list[CaseLog] = []
    seen: set[int] = set()
    for row in rows.iterator(chunk_size=2000):
        if row.case_id != current:
            if current is not None and (broken := _check_case(current, batch, heads.get(current))):
                yield broken
            current, batch = row.case_id, []
            seen.add(row.case_id)
        batch.append(row)
    if current is not None and (broken := _check_case(current, batch, heads.get(current))):
        yield broken
    for case_id, head in heads.items():
        if case_id not in seen and head[0]:
            yield BrokenLink(case_id, 1, None, "rows are missing at the end")


def verify_chain(case_id: int) -> BrokenLink | None:
    """The first broken row of one case, or None when its chain verifies."""
    return next(verify_chains([case_id]), None)
