package mdm

import (
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"howett.net/plist"
)

// MCXPayloadType is the payload type of a Custom Settings payload in the
// managed-client form: macOS writes its Forced settings to
// /Library/Managed Preferences/<domain>.plist.
const MCXPayloadType = "com.apple.ManagedClient.preferences"

// profile and its parts are the .mobileconfig layout; field names are
// the plist keys. Fields are sorted by name to match the output, which
// the encoder sorts.
type profile struct {
	PayloadContent      []map[string]any
	PayloadDisplayName  string
	PayloadIdentifier   string
	PayloadOrganization string `plist:",omitempty"`
	PayloadScope        string
	PayloadType         string
	PayloadUUID         string
	PayloadVersion      int
}

type settingsPayload struct {
	PayloadContent     map[string]mcxDomain // one entry: the preference domain
	PayloadDisplayName string
	PayloadIdentifier  string
	PayloadType        string
	PayloadUUID        string
	PayloadVersion     int
}

type mcxDomain struct {
	Forced []mcxSettings
}

type mcxSettings struct {
	Settings map[string]any `plist:"mcx_preference_settings"`
}

// MobileConfig returns a .mobileconfig (XML plist) that delivers settings
// to the managed-preferences domain: one custom-settings payload whose
// PayloadType is the domain and whose other keys are the settings (docs/contract.md
// §5), at device ("System") scope. Settings are checked as
// Load checks them — known keys, right types and values — since a profile
// every Mac would refuse at install time is worse than no profile. The
// identifiers are fixed per domain, so a new version replaces the old
// profile; the UUIDs are derived from the whole input, so the same input
// gives the same bytes and any change gives new UUIDs.
// SettingsFromMobileConfig also reads the older managed-client form
// (MCXPayloadType with Forced mcx_preference_settings), which macOS writes
// to the same file.
func MobileConfig(domain, displayName, org string, settings map[string]any) ([]byte, error) {
	return MobileConfigWith(domain, displayName, org, settings, Extras{})
}

// MobileConfigWith is MobileConfig with the payloads of extras after the
// settings one (docs/contract.md §5): com.docker.config and
// com.apple.servicemanagement. Their UUIDs, too, come from the whole input.
func MobileConfigWith(domain, displayName, org string, settings map[string]any, extras Extras) ([]byte, error) {
	if err := checkDomain(domain); err != nil {
		return nil, fmt.Errorf("mobileconfig: %w", err)
	}
	if len(settings) == 0 {
		return nil, errors.New("mobileconfig: no settings given; pass the install flags the profile should carry")
	}
	for k := range settings {
		if strings.HasPrefix(k, "Payload") {
			return nil, fmt.Errorf("mobileconfig: setting %q: Payload keys belong to the profile itself", k)
		}
	}
	var p Prefs
	unknown, err := p.apply(settings, "")
	if err != nil {
		return nil, fmt.Errorf("mobileconfig: setting %w", err)
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("mobileconfig: unknown setting %q; known: %s", unknown[0], strings.Join(keyNames(), ", "))
	}
	norm := p.Settings()
	canon, err := json.Marshal(norm) // sorted keys: a canonical form of the settings
	if err != nil {
		return nil, fmt.Errorf("mobileconfig: %w", err)
	}
	if displayName == "" {
		displayName = domain + " settings"
	}
	extra, err := json.Marshal(extras) // sorted keys: canonical too
	if err != nil {
		return nil, fmt.Errorf("mobileconfig: %w", err)
	}
	seed := []string{domain, displayName, org, string(canon)}
	if len(extras.DockerConfig) > 0 || len(extras.Labels) > 0 || extras.Team != "" {
		seed = append(seed, string(extra)) // without extras, today's UUIDs
	}
	payload := map[string]any{
		"PayloadDisplayName": displayName,
		"PayloadIdentifier":  domain + ".settings",
		"PayloadType":        domain,
		"PayloadUUID":        contentUUID("payload", seed...),
		"PayloadVersion":     1,
	}
	for k, v := range norm {
		payload[k] = v
	}
	more, err := extraPayloads(domain, extras, seed)
	if err != nil {
		return nil, err
	}
	doc := profile{
		PayloadContent:      append([]map[string]any{payload}, more...),
		PayloadDisplayName:  displayName,
		PayloadIdentifier:   domain,
		PayloadOrganization: org,
		PayloadScope:        "System",
		PayloadType:         "Configuration",
		PayloadUUID:         contentUUID("profile", seed...),
		PayloadVersion:      1,
	}
	out, err := plist.MarshalIndent(doc, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("mobileconfig: %w", err)
	}
	return append(out, '\n'), nil
}

// contentUUID is an RFC 4122 name-based UUID in the version 5 layout,
// but from SHA-256 of the length-prefixed parts, in upper case as Apple
// writes them.
func contentUUID(kind string, parts ...string) string {
	h := sha256.New()
	for _, s := range append([]string{kind}, parts...) {
		fmt.Fprintf(h, "%d:%s;", len(s), s)
	}
	u := h.Sum(nil)[:16]
	u[6] = u[6]&0x0f | 0x50 // version 5
	u[8] = u[8]&0x3f | 0x80 // RFC 4122 variant
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16]))
}

// SettingsFromMobileConfig returns the settings an unsigned .mobileconfig
// forces into domain, as MobileConfig took them: what macOS would write
// to the managed-preferences file. It reads both Custom Settings forms —
// MCXPayloadType with Forced mcx_preference_settings, and a payload whose
// PayloadType is the domain itself, its keys beside the Payload ones —
// merging payloads in order. Known keys are checked as Load checks them;
// unknown keys are dropped, as Load ignores them.
func SettingsFromMobileConfig(data []byte, domain string) (map[string]any, error) {
	if err := checkDomain(domain); err != nil {
		return nil, fmt.Errorf("mobileconfig: %w", err)
	}
	if len(data) > 0 && data[0] == 0x30 { // a DER SEQUENCE: a CMS-signed profile
		return nil, errors.New("mobileconfig: the profile is signed; give the unsigned .mobileconfig")
	}
	top, err := decodeDict(data)
	if err != nil {
		return nil, fmt.Errorf("mobileconfig: %w", err)
	}
	if t, _ := top["PayloadType"].(string); t != "Configuration" {
		return nil, fmt.Errorf(`mobileconfig: PayloadType must be "Configuration", got %s`, describe(top["PayloadType"]))
	}
	payloads, ok := top["PayloadContent"].([]any)
	if !ok {
		return nil, fmt.Errorf("mobileconfig: PayloadContent must be an array, got %s", typeName(top["PayloadContent"]))
	}
	merged := map[string]any{}
	found := false
	for i, pl := range payloads {
		d, ok := pl.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("mobileconfig: payload %d is %s, not a dictionary", i+1, typeName(pl))
		}
		switch d["PayloadType"] {
		case domain:
			found = true
			for k, v := range d {
				merged[k] = v // Payload keys are skipped by apply
			}
		case MCXPayloadType:
			sets, err := mcxSettingsFor(d, domain)
			if err != nil {
				return nil, fmt.Errorf("mobileconfig: payload %d: %w", i+1, err)
			}
			for _, s := range sets {
				found = true
				for k, v := range s {
					merged[k] = v
				}
			}
		}
	}
	if !found {
		return nil, fmt.Errorf("mobileconfig: no payload carries settings for %s", domain)
	}
	var p Prefs
	if _, err := p.apply(merged, ""); err != nil {
		return nil, fmt.Errorf("mobileconfig: setting %w", err)
	}
	return p.Settings(), nil
}

// mcxSettingsFor digs PayloadContent.<domain>.Forced[*].mcx_preference_settings
// out of a managed-client payload; other domains are none of our business.
func mcxSettingsFor(payload map[string]any, domain string) ([]map[string]any, error) {
	content, ok := payload["PayloadContent"].(map[string]any)
	if !ok {
		return nil, fmt.Errorf("PayloadContent must be a dictionary, got %s", typeName(payload["PayloadContent"]))
	}
	dom, ok := content[domain]
	if !ok {
		return nil, nil
	}
	domDict, ok := dom.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("PayloadContent.%s must be a dictionary, got %s", domain, typeName(dom))
	}
	forced, ok := domDict["Forced"].([]any)
	if !ok {
		return nil, fmt.Errorf("PayloadContent.%s.Forced must be an array, got %s", domain, typeName(domDict["Forced"]))
	}
	var out []map[string]any
	for i, f := range forced {
		fd, ok := f.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("PayloadContent.%s.Forced item %d must be a dictionary, got %s", domain, i+1, typeName(f))
		}
		s, ok := fd["mcx_preference_settings"].(map[string]any)
		if !ok {
			return nil, fmt.Errorf("PayloadContent.%s.Forced item %d: mcx_preference_settings must be a dictionary, got %s", domain, i+1, typeName(fd["mcx_preference_settings"]))
		}
		out = append(out, s)
	}
	return out, nil
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return typeName(v)
}

func keyNames() []string {
	names := make([]string, len(keySpecs))
	for i, s := range keySpecs {
		names[i] = s.Name
	}
	return names
}
