#!/bin/bash
# Jamf Pro Extension Attribute (String): healthy / drift: … / not installed.
# It always exits 0 so the inventory records the value.
"${INSTALLER:-/usr/local/macfleet/bin/installer}" status --format=jamf
