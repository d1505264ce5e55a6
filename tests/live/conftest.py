"""The API fixtures (app, companies, signed-in headers) serve the live-update tests too."""

from tests.api.conftest import acme, client, globex  # noqa: F401
