from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and API tokens"

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from accounts import (
            schema,  # noqa: F401  registers the OpenAPI auth scheme
            token_cache,
        )

        connection_created.connect(token_cache.listen, dispatch_uid="api_token_cache_listen")
