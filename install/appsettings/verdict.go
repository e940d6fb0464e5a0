package appsettings

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Facts are what the first-launch verdict is computed from: the app's
// version, its effective settings and what is on the machine.
type Facts struct {
	// OwnHelperEra is an app that ships its own helper (a known version
	// up to the descriptor's last one with a helper): its defaults are the
	// old ones and it reads ShowInstallScreen and RequireVmnetd. An app of
	// unknown version counts as the newest.
	OwnHelperEra bool
	// Store is the file the app reads (nil: none, its defaults apply) and
	// Legacy its key case.
	Store  []byte
	Legacy bool
	// SystemLinksMissing names a bundled CLI tool without a link of ours
	// in /usr/local/bin ("" when every tool has one).
	SystemLinksMissing string
	// SocketMissing is true when the socket link (SocketLink,
	// /var/run/docker.sock) or its boot task is not there.
	SocketMissing bool
	SocketLink    string
	// HelperMissing is true when there is no helper job; HelperVersion is
	// its plist's Version and VmnetdVersion the app's ("" when it has
	// none: nothing to compare).
	HelperMissing                bool
	HelperVersion, VmnetdVersion string
	// RootOwned are entries owned by root in the user dir, the app
	// container and the group container.
	RootOwned []string
}

// Verdict is whether the app asks for an admin password at its first
// launch, and why (docs/contract.md §14's table).
type Verdict struct {
	Prompt  bool     `json:"prompt"`
	Reasons []string `json:"reasons"`
}

// String is status's line.
func (v Verdict) String() string {
	if !v.Prompt {
		return "first launch: no admin prompt"
	}
	return "first launch: asks for an admin password: " + strings.Join(v.Reasons, "; ")
}

// Judge computes the verdict from facts alone.
func Judge(f Facts) Verdict {
	v := Verdict{Reasons: []string{}}
	add := func(r string) { v.Reasons = append(v.Reasons, r) }
	if f.OwnHelperEra && effectiveBool(f, ShowInstallScreen, true) {
		add("the first-run window asks for privileged access")
	}
	if effectiveString(f, DockerBinInstallPath, f.OwnHelperEra, "system") == "system" && f.SystemLinksMissing != "" {
		add(fmt.Sprintf("to link the CLI tools into /usr/local/bin (%s has no link)", f.SystemLinksMissing))
	}
	if effectiveBool(f, EnableDefaultDockerSocket, f.OwnHelperEra) && f.SocketMissing {
		add("to create " + f.SocketLink + " at each boot")
	}
	if f.OwnHelperEra && effectiveBool(f, RequireVmnetd, true) {
		switch {
		case f.HelperMissing:
			add("to install its privileged helper")
		case f.VmnetdVersion != "" && f.HelperVersion != f.VmnetdVersion:
			have := f.HelperVersion
			if have == "" {
				have = "none"
			}
			add(fmt.Sprintf("to update its privileged helper (Version %s, the app wants %s)", have, f.VmnetdVersion))
		}
	}
	for _, p := range f.RootOwned {
		add(fmt.Sprintf("the app refuses to start: %s is owned by root", p))
	}
	v.Prompt = len(v.Reasons) > 0
	return v
}

// effective is the raw value of key in the store, when it has it.
func effective(f Facts, key string) ([]byte, bool) {
	if f.Store == nil {
		return nil, false
	}
	o, err := Parse(f.Store)
	if err != nil {
		return nil, false
	}
	return o.Get(f.Store, FileKey(key, f.Legacy))
}

// effectiveBool is key's boolean: the store's, else the version's default.
func effectiveBool(f Facts, key string, def bool) bool {
	if raw, ok := effective(f, key); ok {
		var b bool
		if json.Unmarshal(raw, &b) == nil {
			return b
		}
	}
	return def
}

// effectiveString is DockerBinInstallPath's value: the store's, else
// "system" for an app with its own helper and "user" for a newer one.
func effectiveString(f Facts, key string, old bool, oldDef string) string {
	if raw, ok := effective(f, key); ok {
		var s string
		if json.Unmarshal(raw, &s) == nil {
			return s
		}
	}
	if old {
		return oldDef
	}
	return "user"
}
