#!/bin/bash
# Intune custom attribute: one line; exit 0 always (Intune drops the output
# of a failing script).
"${INSTALLER:-/usr/local/macfleet/bin/installer}" status --format=intune
