#!/bin/bash
# Munki installcheck_script: exit 0 means "install needed".
if "${INSTALLER:-/usr/local/macfleet/bin/installer}" status >/dev/null 2>&1; then
  exit 1
fi
exit 0
