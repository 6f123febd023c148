"""What changed between two versions of rubric content, node by node (matched by id)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final, Literal

from rubrics.content import KIND_SECTION, Located, iter_nodes

ChangeKind = Literal["added", "removed", "changed", "moved"]

# Compared field by field; "children" is not a field of a section here: its children are
# nodes of their own and report their own changes.
CRITERION_FIELDS: Final = (
    "title",
    "description",
    "points",
    "polarity",
    "importance",
    "scale",
    "tags",
    "evidence_required",
)
SECTION_FIELDS: Final = ("title", "description", "weight")
_DEFAULTS: Final[Mapping[str, Any]] = {
    "description": "",
    "importance": "important",
    "scale": {"type": "binary"},
    "tags": [],
    "evidence_required": False,
    "weight": 1,
}


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Location:
    """Where a node sits: its parent section (None at the top level) and index there."""

    section: str | None
    index: int
    path: str


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    node: str  # "criterion" or "section"
    id: str
    title: str
    before: Location | None = None  # None for "added"
    after: Location | None = None  # None for "removed"
    fields: tuple[FieldChange, ...] = ()

    @property
    def moved_section(self) -> bool:
        """For "moved": True when it changed section, False when only its order changed."""
        return bool(self.before and self.after and self.before.section != self.after.section)

    def as_dict(self) -> dict[str, Any]:
        def location(where: Location | None) -> dict[str, Any] | None:
            if where is None:
                return None
            return {"section": where.section, "index": where.index, "path": where.path}

        return {
            "kind": self.kind,
            "node": self.node,
            "id": self.id,
            "title": self.title,
            "before": location(self.before),
            "after": location(self.after),
            "fields": [
                {"field": change.field, "before": change.before, "after": change.after}
                for change in self.fields
            ],
        }


def _value(node: Mapping[str, Any], name: str) -> Any:
    return node.get(name, _DEFAULTS.get(name))


def _where(located: Located) -> Location:
    return Location(located.parent, located.index, located.path)


def rubric_diff(old_content: Mapping[str, Any], new_content: Mapping[str, Any]) -> list[Change]:
    """Changes from ``old_content`` to ``new_content`` (both valid), criteria and sections alike.

    Nodes are matched by id. A node present in both may yield a "changed" entry (each field
    with before/after; defaults count as written, so normalising never shows as a change) and
    a "moved" entry: into another section, or reordered among its siblings. Order changes are
    found with a longest common subsequence, so removing one criterion does not report every
    later sibling as moved. Entries follow the new content's order; removals come last, in the
    old content's order. A node whose id now names a different kind counts as removed + added.
    """
    old = {located.node["id"]: located for located in iter_nodes(old_content)}
    new = {located.node["id"]: located for located in iter_nodes(new_content)}
    common = {
        node_id
        for node_id in old.keys() & new.keys()
        if old[node_id].node["kind"] == new[node_id].node["kind"]
    }
    reordered = _reordered(old, new, common)

    changes: list[Change] = []
    for node_id, after in new.items():
        node = after.node
        kind = node["kind"]
        if node_id not in common:
            changes.append(Change("added", kind, node_id, node["title"], after=_where(after)))
            continue
        before = old[node_id]
        fields = SECTION_FIELDS if kind == KIND_SECTION else CRITERION_FIELDS
        changed = tuple(
            FieldChange(name, _value(before.node, name), _value(node, name))
            for name in fields
            if _value(before.node, name) != _value(node, name)
        )
        if changed:
            changes.append(
                Change(
                    "changed",
                    kind,
                    node_id,
                    node["title"],
                    before=_where(before),
                    after=_where(after),
                    fields=changed,
                )
            )
        if before.parent != after.parent or node_id in reordered:
            changes.append(
                Change("moved", kind, node_id, node["title"], _where(before), _where(after))
            )
    for node_id, before in old.items():
        if node_id not in common:
            node = before.node
            changes.append(Change("removed", node["kind"], node_id, node["title"], _where(before)))
    return changes


def _reordered(old: dict[str, Located], new: dict[str, Located], common: set[str]) -> set[str]:
    """Ids that stayed in the same parent but left the longest run of unchanged order."""
    parents = {new[node_id].parent for node_id in common}
    moved: set[str] = set()
    for parent in parents:
        stayed = {
            node_id
            for node_id in common
            if old[node_id].parent == parent and new[node_id].parent == parent
        }
        before = [node_id for node_id in old if node_id in stayed]
        after = [node_id for node_id in new if node_id in stayed]
        moved |= stayed - _longest_common_subsequence(before, after)
    return moved


def _longest_common_subsequence(a: list[str], b: list[str]) -> set[str]:
    # Quadratic, and siblings number at most a few hundred (content.MAX_NODES).
    lengths = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            if a[i] == b[j]:
                lengths[i][j] = lengths[i + 1][j + 1] + 1
            else:
                lengths[i][j] = max(lengths[i + 1][j], lengths[i][j + 1])
    kept: set[str] = set()
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i] == b[j]:
            kept.add(a[i])
            i += 1
            j += 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return kept
