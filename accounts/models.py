from __future__ import annotations

import hashlib
import hmac

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """The platform's user; custom from the first migration so it can grow safely."""

    display_name = models.CharField(max_length=150, blank=True)
    can_create_projects = models.BooleanField(
        default=False,
        help_text="May create new projects (and becomes their project admin). Staff always may.",
    )

    # The interface language this person chose (settings.LANGUAGES); blank follows the
    # browser (the language cookie, else Accept-Language). See accounts/language.py.
    language = models.CharField(max_length=16, blank=True, default="")

    class Meta:
        ordering = ["username"]

    def __str__(self) -> str:
        return self.display_name or self.username


class TokenScope(models.TextChoices):
    """What a token may do, within what its user's role allows (scopes only restrict).

    Enforced in one place, ``accounts.permissions.TokenScopePermission``; the trainer work
    endpoints ``annotate`` opens are listed in ``accounts.scopes``.
    """

    READ = "read", _("Read only")
    ANNOTATE = "annotate", _("Annotate")
    MANAGE = "manage", _("Manage")


class ApiTokenQuerySet(models.QuerySet):
    def visible_to(self, user: User) -> ApiTokenQuerySet:
        # Tokens are personal: not even staff list other people's tokens through the API.
        return self.filter(user_id=user.pk)

    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).exclude(expires_at__lte=now)


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the raw token is shown once.

    Raw form: ``ap_<key_id>_<secret>``. ``key_id`` finds the row with an index, the hash
    comparison is constant-time. Tokens carry 256 bits of randomness, so a fast hash is
    enough (a slow password hash would only slow every API call).
    """

    PREFIX = "ap_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    # Tokens issued before scopes existed could do anything their user could: they keep
    # that (manage) rather than break the scripts using them; new tokens choose.
    scope = models.CharField(max_length=16, choices=TokenScope.choices, default=TokenScope.MANAGE)
    key_id = models.CharField(max_length=16, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}{self.key_id}_…)"

    @staticmethod
    def hash_raw(raw: str) -> str:
        return hashlib.sha256(raw.encode()).hexdigest()

    def matches(self, raw: str) -> bool:
        return hmac.compare_digest(self.token_hash, self.hash_raw(raw))

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_active(self) -> bool:
        return not self.is_expired and not self.is_revoked

    @property
    def display_prefix(self) -> str:
        return f"{self.PREFIX}{self.key_id}_…"
