#!/bin/bash
# Munki postinstall_script of the app's item: settings from managed
# preferences (or add flags here).
exec "${INSTALLER:-/usr/local/macfleet/bin/installer}" install
