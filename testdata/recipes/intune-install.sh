#!/bin/bash
# Intune shell script (run as root, no arguments): the settings come from
# the configuration profile made with `installer mdm profile`.
exec "${INSTALLER:-/usr/local/macfleet/bin/installer}" install
