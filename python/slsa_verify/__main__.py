# SPDX-License-Identifier: Apache-2.0
"""``python -m slsa_verify``: the same CLI as ``pip-verify``."""

from slsa_verify._cli import run

if __name__ == "__main__":
    run()
