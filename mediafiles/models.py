from __future__ import annotations

from django.db import models

from tasks.template_definition import MAX_MEDIA_KEY_BYTES

# S3's limit on a key, which task data validation applies too; it also keeps every key under
# PostgreSQL's btree row limit (~2,700 bytes), so the unique index never refuses a row.
MAX_KEY_BYTES = MAX_MEDIA_KEY_BYTES


class MediaReference(models.Model):
    """A media key (an object in the media storage) that a project's task data names.

    The media view serves a key to the members of the projects that reference it, so a
    key is recorded whenever task data is written (``mediafiles.services``) and rows are
    only ever added: a key once shown in a project stays viewable there (old submissions
    and exports still show it).
    """

    project = models.ForeignKey(
        "tasks.Project", on_delete=models.CASCADE, related_name="media_references"
    )
    key = models.CharField(max_length=MAX_KEY_BYTES)

    class Meta:
        constraints = [
            # Key first: the media view's check looks a key up, then joins memberships.
            models.UniqueConstraint(fields=["key", "project"], name="media_reference_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} in project {self.project_id}"
