#!/bin/sh
# make demo: a throwaway Mac-like root with a sample app bundle and user:
# plan -> install -> status (with the app's first-launch verdict) ->
# switch to the user location -> status -> a no-op rerun -> uninstall,
# which gives the tree back, the app's settings store byte for byte.
set -eu
BIN=${BIN:-bin}
root=$(mktemp -d "${TMPDIR:-/tmp}/installer-demo.XXXXXX")
trap 'rm -rf "$root" "$root.before" "$root.after" "$root.store"' EXIT
# Bold headings only on a terminal (and never with NO_COLOR): a log or a
# pipe gets plain text, no raw escapes.
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then b=$(printf '\033[1m'); n=$(printf '\033[0m'); else b=; n=; fi
step() { printf '\n%s== %s%s\n' "$b" "$*" "$n"; }
tree() { (cd "$root" && find . -path ./Library/Logs -prune -o ! -name "*-installer.lock" -print | sort | xargs ls -ld 2>/dev/null | awk '{print $1, $3":"$4, $9, $10, $11}'); }

step "a Mac-like root in $root, with Docker.app and user alice (uid 501)"
"$BIN/mkroot" -no-usr-local-bin -app-store "$root" alice:501
printf '127.0.0.1\tmyhost\n10.0.0.1\tlocalhost\t# stale VPN entry\n' > "$root/private/etc/hosts"
cat "$root/etc/hosts"
plistval() { sed -n "/<key>$1<\/key>/{n;s/.*<string>\(.*\)<\/string>.*/\1/p;}" "$root/Applications/Docker.app/Contents/Info.plist"; }
echo "Docker.app $(plistval CFBundleShortVersionString), its helper's version (VmnetdVersion) $(plistval VmnetdVersion)"
store="$root/Users/alice/Library/Group Containers/group.com.docker/settings-store.json"
# The four keys the app decides its privileged prompts by (docs/docker-desktop.md).
keys() { grep -E '"(DockerBinInstallPath|EnableDefaultDockerSocket|RequireVmnetd|ShowInstallScreen)"' "$store"; }
echo "--- alice's settings store ($(grep -c '": ' "$store") keys), as an earlier install left it:"
keys
tree > "$root.before"
sha256sum < "$store" > "$root.store"

step "installer plan --user=alice --kubernetes  (what root would do; changes nothing)"
"$BIN/installer" plan --root="$root" --user=alice --kubernetes

step "installer install --user=alice --kubernetes"
"$BIN/installer" install --root="$root" --user=alice --kubernetes

step "what now exists"
ls -l "$root/usr/local/bin"
ls -l "$root/var/run/"
echo "--- /etc/hosts"
cat "$root/etc/hosts"

echo "--- alice's settings store now (every other key keeps its bytes):"
keys

step "installer status  (the last line is the app's own verdict at its next launch)"
"$BIN/installer" status --root="$root"
"$BIN/installer" status --root="$root" --format=jamf

step "someone removes /var/run/docker.sock: status names the prompt the app would show"
rm "$root/var/run/docker.sock"
"$BIN/installer" status --root="$root" | grep -E '^(drift|first launch)' || true
"$BIN/installer" install --root="$root" --user=alice --kubernetes

step "switch to the user location with shell PATH blocks"
"$BIN/installer" install --root="$root" --user=alice --kubernetes --cli-location=user --path-edit=shell
ls -la "$root/Users/alice/.docker/bin"
echo "--- ~/.zprofile"
cat "$root/Users/alice/.zprofile"

step "installer status"
"$BIN/installer" status --root="$root"

step "the same install again: nothing to change"
"$BIN/installer" install --root="$root" --user=alice --kubernetes --cli-location=user --path-edit=shell

step "installer uninstall"
"$BIN/installer" uninstall --root="$root"
echo "--- /etc/hosts"
cat "$root/etc/hosts"
tree > "$root.after"
if cmp -s "$root.before" "$root.after" && sha256sum < "$store" | cmp -s - "$root.store"; then
  echo "the tree is as it was before install, alice's settings store byte for byte (the log in /Library/Logs stays)"
else
  echo "the tree differs from before:"; diff "$root.before" "$root.after" || true; exit 1
fi
rm -f "$root.before" "$root.after" "$root.store"
