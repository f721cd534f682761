# SPDX-License-Identifier: Apache-2.0
"""Verify that a Python package was built by the CI workflow you expect.

>>> from slsa_verify import verify_wheel, GitHubPublisher
>>> v = verify_wheel("abi3info-2024.10.8-py3-none-any.whl",
...                  policy=GitHubPublisher("woodruffw/abi3info", "release.yml"))

Every failure raises a subclass of :class:`slsa_verify.errors.VerificationError`.
"""

from slsa_verify import errors
from slsa_verify._api import (
    CircleCIPublisher,
    GitHubPublisher,
    GitLabPublisher,
    GooglePublisher,
    Identity,
    Policy,
    SlsaSource,
    TrustedRoot,
    Verification,
    refresh_trust,
    trust_status,
    verify_bundle,
    verify_many,
    verify_wheel,
)
from slsa_verify._core import __version__

__all__ = [
    "CircleCIPublisher",
    "GitHubPublisher",
    "GitLabPublisher",
    "GooglePublisher",
    "Identity",
    "Policy",
    "SlsaSource",
    "TrustedRoot",
    "Verification",
    "__version__",
    "errors",
    "refresh_trust",
    "trust_status",
    "verify_bundle",
    "verify_many",
    "verify_wheel",
]
