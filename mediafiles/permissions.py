"""Who may fetch a media file: the only place that decides it."""

from __future__ import annotations

from mediafiles.models import MediaReference
from tasks.models import Membership


def can_view_media(user, key: str) -> bool:
    """A key is viewable by the members of a project whose tasks reference it; staff and
    superusers (who see every project) view any key some project references. A key no
    project references is viewable by no one (it is no task's media).

    One query on the (key, project) index, joined to the user's memberships.
    """
    if not user.is_authenticated or not user.is_active:
        return False
    references = MediaReference.objects.filter(key=key)
    if user.is_staff or user.is_superuser:
        return references.exists()
    # A semi-join on the two unique indexes ((key, project), (user, project)); no projects row.
    memberships = Membership.objects.filter(user=user).values("project_id")
    return references.filter(project_id__in=memberships).exists()
