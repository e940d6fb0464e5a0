#!/bin/bash
# Jamf Pro policy script. Put install flags in parameters 4-11, one or more
# per parameter (e.g. "--kubernetes", "--cli-location=user"); $3 is the user.
exec "${INSTALLER:-/usr/local/macfleet/bin/installer}" jamf "$@"
