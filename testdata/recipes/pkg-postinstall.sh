#!/bin/bash
# postinstall of a flat pkg: $3 is the target volume; an image mounted
# elsewhere gets an offline install (launchd starts the jobs at its boot).
if [ "$3" = "/" ]; then
  exec "${INSTALLER:-/usr/local/macfleet/bin/installer}" install
fi
exec "${INSTALLER:-/usr/local/macfleet/bin/installer}" install --root="$3"
