"""The API fixtures (app, companies with a user of every role, signed-in headers)."""

from tests.api.conftest import acme, as_admin, as_employee, client, globex  # noqa: F401
