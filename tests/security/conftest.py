"""The security tests scan the publications of the small reference run shared with tests/failure
(built once per test process)."""

from tests.failure.conftest import reference, world  # noqa: F401  (fixtures)
