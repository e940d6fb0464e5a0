package mdm

import (
	"errors"
	"fmt"
	"strings"
)

// DockerConfigType is the payload Docker Desktop reads for its
// recommended sign-in enforcement on a Mac (docker/docs, "Configure
// sign-in enforcement", methods.md: configuration profiles method).
const DockerConfigType = "com.docker.config"

// ServiceManagementType is Apple's managed login and background items
// payload: with a rule for a launchd label, macOS 13+ neither shows
// "Background Items Added" for that job nor lets the user switch it off.
const ServiceManagementType = "com.apple.servicemanagement"

// Extras are the payloads a profile carries besides the settings one.
type Extras struct {
	// DockerConfig are the keys of a com.docker.config payload; none when
	// empty (see DockerConfig).
	DockerConfig map[string]any
	// Labels are the launchd labels a com.apple.servicemanagement payload
	// manages, one Label rule each; none when empty.
	Labels []string
	// LabelComment is each rule's Comment, for the person reading the
	// profile in System Settings.
	LabelComment string
	// Team is the vendor's Apple signing team: one TeamIdentifier rule
	// manages every background item the vendor signs (the app's own
	// helpers); none when empty.
	Team string
	// TeamComment is that rule's Comment.
	TeamComment string
}

// dockerConfigKeys maps our managed-preferences keys to the keys of
// com.docker.config (Docker Desktop 4.48+ for the proxy ones).
var dockerConfigKeys = []struct{ ours, theirs string }{
	{"OverrideProxyHTTP", "overrideProxyHTTP"},
	{"OverrideProxyHTTPS", "overrideProxyHTTPS"},
	{"OverrideProxyExclude", "overrideProxyExclude"},
	{"OverrideProxyPAC", "overrideProxyPAC"},
	{"OverrideProxyEmbeddedPAC", "overrideProxyEmbeddedPAC"},
}

// DockerConfig is the com.docker.config payload's keys for settings
// (managed-preferences keys, as MobileConfig takes them): allowedOrgs as
// one ";"-separated string, and the proxy overrides; nil when settings
// hold none of them.
func DockerConfig(settings map[string]any) map[string]any {
	out := map[string]any{}
	if orgs, ok := settings["AllowedOrgs"].([]string); ok && len(orgs) > 0 {
		out["allowedOrgs"] = strings.Join(orgs, ";")
	}
	for _, k := range dockerConfigKeys {
		if v, ok := settings[k.ours].(string); ok && v != "" {
			out[k.theirs] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// extraPayloads are the payloads of e, with UUIDs from seed.
func extraPayloads(domain string, e Extras, seed []string) ([]map[string]any, error) {
	var out []map[string]any
	if len(e.DockerConfig) > 0 {
		p := map[string]any{
			"PayloadDisplayName": "Docker Desktop sign-in and proxy",
			"PayloadIdentifier":  domain + ".docker-config",
			"PayloadType":        DockerConfigType,
			"PayloadUUID":        contentUUID("docker-config", seed...),
			"PayloadVersion":     1,
		}
		for k, v := range e.DockerConfig {
			if strings.HasPrefix(k, "Payload") {
				return nil, fmt.Errorf("mobileconfig: com.docker.config key %q: Payload keys belong to the profile itself", k)
			}
			p[k] = v
		}
		out = append(out, p)
	}
	if len(e.Labels) > 0 || e.Team != "" {
		rules := make([]map[string]any, 0, len(e.Labels)+1)
		for _, l := range e.Labels {
			if l == "" {
				return nil, errors.New("mobileconfig: an empty launchd label for com.apple.servicemanagement")
			}
			r := map[string]any{"RuleType": "Label", "RuleValue": l}
			if e.LabelComment != "" {
				r["Comment"] = e.LabelComment
			}
			rules = append(rules, r)
		}
		if e.Team != "" {
			r := map[string]any{"RuleType": "TeamIdentifier", "RuleValue": e.Team}
			if e.TeamComment != "" {
				r["Comment"] = e.TeamComment
			}
			rules = append(rules, r)
		}
		out = append(out, map[string]any{
			"PayloadDisplayName": "Background items",
			"PayloadIdentifier":  domain + ".servicemanagement",
			"PayloadType":        ServiceManagementType,
			"PayloadUUID":        contentUUID("servicemanagement", seed...),
			"PayloadVersion":     1,
			"Rules":              rules,
		})
	}
	return out, nil
}
