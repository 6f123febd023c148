from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from rest_framework import serializers


class StrictSerializerMixin:
    """Refuse input keys the serializer does not declare.

    DRF ignores unknown keys by default, so a typo (``"stauts": "active"``) would be a
    silent no-op. Read-only fields are refused too: they cannot be written.
    """

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            writable = {
                name
                for name, field in self.fields.items()
                if not field.read_only  # type: ignore[attr-defined]
            }
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            gettext("This field is read-only.")
                            if name in self.fields  # type: ignore[attr-defined]
                            else gettext("Unknown field.")
                        ]
                        for name in unknown
                    }
                )
        return super().to_internal_value(data)  # type: ignore[misc]


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text.

    DRF's CharField accepts ``{"name": 123}`` as ``"123"``; a client sending a number
    where text belongs has a bug we want to report, not hide.
    """

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)
