"""Fixtures borrowed from the intake tests: the signed inbound webhook and a failing
classifier (a report kept after a failure, replayed later)."""

from tests.intake.conftest import sms  # noqa: F401
from tests.intake.test_recovery import classifier_bug  # noqa: F401
