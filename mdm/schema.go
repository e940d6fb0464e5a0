package mdm

import (
	"bytes"
	"encoding/json"
	"fmt"

	"howett.net/plist"
)

// The managed-preferences domain described for MDM consoles (docs/contract.md §5
// `mdm schema`), from the settings table: every key with its type,
// default, allowed values and help.

// jamfProperty is one key in Jamf Pro's "Application & Custom Settings"
// JSON schema (the subset Jamf documents: title, description, type,
// default, enum, options.enum_titles, property_order, links).
type jamfProperty struct {
	Title         string       `json:"title"`
	Description   string       `json:"description"`
	Type          string       `json:"type"`
	Default       any          `json:"default,omitempty"`
	Enum          []string     `json:"enum,omitempty"`
	Options       *jamfOptions `json:"options,omitempty"`
	Items         *jamfItems   `json:"items,omitempty"`
	PropertyOrder int          `json:"property_order"`
	Links         []jamfLink   `json:"links,omitempty"`
}

type jamfOptions struct {
	EnumTitles []string `json:"enum_titles"`
}

type jamfItems struct {
	Type  string `json:"type"`
	Title string `json:"title,omitempty"`
}

type jamfLink struct {
	Rel  string `json:"rel"`
	Href string `json:"href"`
}

// schemaType is the JSON-schema (and ProfileManifests) name of a type.
func schemaType(t Type) string {
	switch t {
	case TypeBoolean:
		return "boolean"
	case TypeStringArray:
		return "array"
	}
	return "string"
}

// JamfSchema is the domain's JSON schema for Jamf Pro's Application &
// Custom Settings payload: upload it as a custom schema for domain.
func JamfSchema(domain, title string) ([]byte, error) {
	if err := checkDomain(domain); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	props := map[string]jamfProperty{}
	for i, s := range Settings() {
		if s.Key == "" {
			continue
		}
		p := jamfProperty{Title: s.Title, Description: s.Help, Type: schemaType(s.Type), Default: s.Default, PropertyOrder: (i + 1) * 5}
		if len(s.Values) > 0 {
			p.Enum = s.Values
			p.Options = &jamfOptions{EnumTitles: s.Values}
		}
		if s.Type == TypeStringArray {
			p.Items = &jamfItems{Type: "string", Title: "Organization"}
		}
		if s.Link != "" {
			p.Links = []jamfLink{{Rel: "More information", Href: s.Link}}
		}
		props[s.Key] = p
	}
	doc := map[string]any{
		"title":       title + " (" + domain + ")",
		"description": "Install settings for " + title + "; a flag given on the command line wins over these. Keys mirror the install flags.",
		"properties":  props,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return buf.Bytes(), nil
}

// ProfileManifest is the domain as a ProfileManifests manifest (the
// format ProfileCreator and iMazing Profile Editor read).
func ProfileManifest(domain, title string) ([]byte, error) {
	if err := checkDomain(domain); err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	var subkeys []map[string]any
	for _, s := range Settings() {
		if s.Key == "" {
			continue
		}
		k := map[string]any{
			"pfm_name":        s.Key,
			"pfm_title":       s.Title,
			"pfm_description": s.Help,
			"pfm_type":        schemaType(s.Type),
		}
		if s.Default != nil {
			k["pfm_default"] = s.Default
		}
		if len(s.Values) > 0 {
			k["pfm_range_list"] = s.Values
		}
		if s.Link != "" {
			k["pfm_documentation_url"] = s.Link
		}
		if s.Type == TypeStringArray {
			k["pfm_subkeys"] = []map[string]any{{"pfm_name": "Organization", "pfm_type": "string"}}
		}
		subkeys = append(subkeys, k)
	}
	doc := map[string]any{
		"pfm_domain":         domain,
		"pfm_title":          title,
		"pfm_description":    "Install settings for " + title + "; a flag given on the command line wins over these.",
		"pfm_format_version": 1,
		"pfm_version":        1,
		"pfm_platforms":      []string{"macOS"},
		"pfm_targets":        []string{"system", "user"},
		"pfm_subkeys":        subkeys,
	}
	out, err := plist.MarshalIndent(doc, plist.XMLFormat, "\t")
	if err != nil {
		return nil, fmt.Errorf("schema: %w", err)
	}
	return append(out, '\n'), nil
}
