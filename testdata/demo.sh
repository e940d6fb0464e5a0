#!/bin/sh
# make demo: a throwaway Mac-like root with a sample app bundle and user,
# installed into, shown, installed again (a no-op) and uninstalled.
set -eu
BIN=${BIN:-bin}
root=$(mktemp -d "${TMPDIR:-/tmp}/installer-demo.XXXXXX")
trap 'rm -rf "$root"' EXIT
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "a Mac-like root in $root, with Docker.app and user alice (uid 501)"
"$BIN/mkroot" "$root" alice:501
printf '127.0.0.1\tmyhost\n10.0.0.1\tlocalhost\t# stale VPN entry\n' > "$root/private/etc/hosts"
cat "$root/etc/hosts"

step "installer plan --user=alice --kubernetes"
"$BIN/installer" plan --root="$root" --user=alice --kubernetes

step "installer install --user=alice --kubernetes"
"$BIN/installer" install --root="$root" --user=alice --kubernetes

step "what now exists"
ls -l "$root/usr/local/bin"
echo "--- /etc/hosts"
cat "$root/etc/hosts"
echo "--- profile (first lines)"
head -n 24 "$root/Library/Application Support/com.docker.docker/installer.plist"

step "the same install again: nothing to change"
"$BIN/installer" install --root="$root" --user=alice --kubernetes

step "installer uninstall"
"$BIN/installer" uninstall --root="$root"
ls -l "$root/usr/local/bin"
echo "--- /etc/hosts"
cat "$root/etc/hosts"
