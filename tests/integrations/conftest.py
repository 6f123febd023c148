from tests.accounts.scoping import token_scopes_enforced  # noqa: F401 (fixture)
from tests.integrations.receiver import allow_loopback, fake_dns, receiver  # noqa: F401
