#!/bin/bash
# Packer/Tart (or any image build): the image is mounted at $MOUNT with the
# app and the user already in it.
set -euo pipefail
"${INSTALLER:-/usr/local/macfleet/bin/installer}" install --root="$MOUNT" --user=alice --kubernetes
"${INSTALLER:-/usr/local/macfleet/bin/installer}" status --root="$MOUNT"
