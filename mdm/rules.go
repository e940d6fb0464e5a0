package mdm

import (
	"crypto/ed25519"
	"encoding/base64"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// The rules on single setting values, beside the table that lists the
// settings; install.Options.Validate applies them with the rules on
// combinations, for every entry point (flags, managed preferences, Jamf,
// the mdm generators). Their messages name no flag and no key: the
// caller names the source.

// ValuesOf is the words an enumerated setting accepts (its row's Values),
// by flag name; nil for free text.
func ValuesOf(flag string) []string {
	s, _ := SettingFor(flag)
	return slices.Clone(s.Values)
}

// CheckValue checks an enumerated setting's value against its row.
func CheckValue(flag, v string) error {
	if vs := ValuesOf(flag); vs != nil && !slices.Contains(vs, v) {
		return fmt.Errorf("must be one of %s", strings.Join(vs, ", "))
	}
	return nil
}

// CheckPolicyKey wants the base64 of an ed25519 public key.
func CheckPolicyKey(s string) error {
	k, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(k) != ed25519.PublicKeySize {
		return fmt.Errorf("want the base64 of a %d-byte ed25519 public key", ed25519.PublicKeySize)
	}
	return nil
}

// CheckProxyURL wants an http or https URL with a host.
func CheckProxyURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("want http://HOST[:PORT] or https://HOST[:PORT]")
	}
	return nil
}

// CheckOrg applies Docker's rule for organization names: lowercase
// letters, digits, - and _ (its sign-in enforcement silently fails
// otherwise). For an uppercase name, lower is the name to use instead.
func CheckOrg(org string) (lower string, err error) {
	valid := func(s string) bool {
		if s == "" {
			return false
		}
		for _, r := range s {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return false
			}
		}
		return true
	}
	switch low := strings.ToLower(org); {
	case valid(org):
		return "", nil
	case valid(low):
		return low, fmt.Errorf("Docker organization names are lowercase")
	}
	return "", fmt.Errorf("not an organization name: Docker's are lowercase letters, digits, - and _")
}
