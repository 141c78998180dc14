#!/usr/bin/env bash
# The forwarding core on its own, until the daemons land: frames from a
# socketpair "device" cross a length32 stream and come back intact.
set -euo pipefail
build=${1:-build/plain}
echo "The daemons come next; for now the demo runs the shared core's engine test."
"$build/tests/unit/test-link"
