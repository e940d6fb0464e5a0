package adminsettings

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// Version is the configurationFileVersion this description is of.
const Version = 2

// kind is the JSON type a value must have.
type kind int

const (
	kBool kind = iota + 1
	kString
	kInt
	kJSONText // a string holding JSON text (dockerDaemonOptions)
	kStrings  // an array of strings
	kStringOrStrings
	kObject
	kArray // of elem
)

// shape is the documented form of one value.
type shape struct {
	kind   kind
	fields map[string]*shape // kObject
	elem   *shape            // kArray
	values []string          // kString: the documented words; nil when free
	secret bool              // a URL that may hold a password (proxy)
}

func obj(fields map[string]*shape) *shape { return &shape{kind: kObject, fields: fields} }
func of(k kind) *shape                    { return &shape{kind: k} }
func oneOf(words ...string) *shape        { return &shape{kind: kString, values: words} }
func proxyURL() *shape                    { return &shape{kind: kString, secret: true} }

// locked is the common form of a setting: {"locked": bool, "value": v}.
func locked(value *shape) *shape {
	return obj(map[string]*shape{"locked": of(kBool), "value": value})
}

// proxyFields are shared by proxy and containersProxy.
func proxyFields(extra map[string]*shape) *shape {
	f := map[string]*shape{
		"locked": of(kBool), "mode": oneOf("system", "manual"),
		"http": proxyURL(), "https": proxyURL(), "pac": proxyURL(),
		// The example writes [] and the table a comma-separated list.
		"exclude":     of(kStringOrStrings),
		"embeddedPac": of(kString),
	}
	for k, v := range extra {
		f[k] = v
	}
	return obj(f)
}

// documented is the top level of admin-settings.json, as the page above
// describes it.
var documented = obj(map[string]*shape{
	"configurationFileVersion": of(kInt),

	// General
	"analyticsEnabled":         locked(of(kBool)),
	"disableUpdate":            locked(of(kBool)),
	"blockDockerLoad":          locked(of(kBool)),
	"displayedOnboarding":      locked(of(kBool)),
	"desktopTerminalEnabled":   locked(of(kBool)),
	"exposeDockerAPIOnTCP2375": locked(of(kBool)),
	"silentModulesUpdate":      locked(of(kBool)),

	// Extensions
	"extensionsEnabled":                           locked(of(kBool)),
	"onlyMarketplaceExtensions":                   locked(of(kBool)),
	"extensionsPrivateMarketplace":                locked(of(kBool)),
	"extensionsPrivateMarketplaceAdminContactURL": locked(of(kString)),

	// File sharing and emulation
	"filesharingAllowedDirectories": {kind: kArray, elem: obj(map[string]*shape{
		"path": of(kString), "sharedByDefault": of(kBool)})},
	"useVirtualizationFrameworkVirtioFS": locked(of(kBool)),
	"useGrpcfuse":                        locked(of(kBool)),
	"useVirtualizationFrameworkRosetta":  locked(of(kBool)),

	// Docker Scout
	"scout": obj(map[string]*shape{"locked": of(kBool), "sbomIndexing": of(kBool), "useBackgroundIndexing": of(kBool)}),

	// Proxy settings and container proxy
	"proxy":           proxyFields(map[string]*shape{"windowsDockerdPort": of(kInt), "enableKerberosNtlm": of(kBool)}),
	"containersProxy": proxyFields(map[string]*shape{"transparentPorts": of(kString)}),

	// Linux VM and Windows containers
	"linuxVM": obj(map[string]*shape{
		"wslEngineEnabled":    locked(of(kBool)),
		"dockerDaemonOptions": locked(of(kJSONText)),
		"vpnkitCIDR":          locked(of(kString)),
	}),
	"windowsContainers": obj(map[string]*shape{"dockerDaemonOptions": locked(of(kJSONText))}),

	// Kubernetes
	"kubernetes": obj(map[string]*shape{"locked": of(kBool), "enabled": of(kBool),
		"showSystemContainers": of(kBool), "imagesRepository": of(kString)}),

	// Networking
	"defaultNetworkingMode": locked(oneOf("dual-stack", "ipv4only", "ipv6only")),
	"dnsInhibition":         locked(oneOf("auto", "ipv4", "ipv6", "none")),
	"portBindingBehavior":   locked(oneOf("default-port-binding", "default-local-port-binding", "local-only-port-binding")),

	// AI
	"enableInference":           locked(of(kBool)),
	"enableInferenceTCP":        locked(of(kBool)),
	"enableInferenceTCPPort":    locked(of(kInt)),
	"enableInferenceCORS":       locked(of(kString)),
	"enableInferenceGPUVariant": locked(of(kBool)),

	// Beta features
	"allowBetaFeatures":         locked(of(kBool)),
	"enableDockerAI":            locked(of(kBool)),
	"enableDockerMCPToolkit":    locked(of(kBool)),
	"allowExperimentalFeatures": locked(of(kBool)),

	// Enhanced Container Isolation
	"enhancedContainerIsolation": obj(map[string]*shape{
		"locked": of(kBool), "value": of(kBool),
		"dockerSocketMount": obj(map[string]*shape{
			"imageList":   obj(map[string]*shape{"images": of(kStrings), "allowDerivedImages": of(kBool)}),
			"commandList": obj(map[string]*shape{"type": oneOf("allow", "deny"), "commands": of(kStrings)}),
		}),
	}),
})

// Checked is admin-settings text that passed Check.
type Checked struct {
	// JSON is the text as JSON: the input itself, or the input with its
	// single quotes read as double quotes.
	JSON string
	// File is the bytes of admin-settings.json: JSON indented by two
	// spaces, keys in the order given, ending in a newline.
	File []byte
	// Warnings are for the person running the install: unknown keys, a
	// proxy URL holding a password, the single-quoted form.
	Warnings []string
}

// PathError is a value of the wrong type or shape, at a key path such as
// "kubernetes.locked" or "filesharingAllowedDirectories[0].path".
type PathError struct {
	Path string
	Want string
}

func (e *PathError) Error() string { return e.Path + ": want " + e.Want }

// Check reads admin-settings text and checks it against the documented
// structure. A wrong type or shape is an error naming the key path
// (*PathError); an unknown key is a warning (Docker adds keys in new
// releases) and is kept as given.
func Check(text string) (Checked, error) {
	js, single, err := Decode(text)
	if err != nil {
		return Checked{}, err
	}
	var c Checked
	c.JSON = js
	if single {
		c.Warnings = append(c.Warnings, `admin settings: single quotes read as JSON's double quotes (the form Docker's install guide shows); write JSON to be sure: --admin-settings='{"configurationFileVersion": 2, …}' or --admin-settings=@FILE`)
	}
	dec := json.NewDecoder(strings.NewReader(js))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return Checked{}, fmt.Errorf("admin settings: %w", err)
	}
	m, ok := top.(map[string]any)
	if !ok {
		return Checked{}, fmt.Errorf("admin settings: want a JSON object, got %s", jsonType(top))
	}
	v, ok := m["configurationFileVersion"]
	if !ok {
		return Checked{}, fmt.Errorf(`admin settings: configurationFileVersion is missing; Docker's files start with "configurationFileVersion": %d`, Version)
	}
	var w walker
	if err := w.walk(documented, top, ""); err != nil {
		return Checked{}, err
	}
	if n, _ := v.(json.Number); n.String() != fmt.Sprint(Version) {
		w.warn = append(w.warn, fmt.Sprintf("admin settings: configurationFileVersion %s: this installer knows version %d", n, Version))
	}
	c.Warnings = append(c.Warnings, w.warn...)
	var buf bytes.Buffer
	if err := json.Indent(&buf, []byte(js), "", "  "); err != nil {
		return Checked{}, fmt.Errorf("admin settings: %w", err)
	}
	c.File = append(buf.Bytes(), '\n')
	return c, nil
}

type walker struct{ warn []string }

func (w *walker) walk(s *shape, v any, at string) error {
	want := func(what string) error { return &PathError{Path: at, Want: what} }
	switch s.kind {
	case kBool:
		if _, ok := v.(bool); !ok {
			return want("a boolean, got " + jsonType(v))
		}
	case kInt:
		n, ok := v.(json.Number)
		if _, err := n.Int64(); !ok || err != nil {
			return want("an integer, got " + jsonType(v))
		}
	case kString, kJSONText:
		str, ok := v.(string)
		if !ok {
			return want("a string, got " + jsonType(v))
		}
		if s.values != nil && !slices.Contains(s.values, str) {
			return want(fmt.Sprintf("one of %s, got %q", strings.Join(s.values, ", "), str))
		}
		if s.kind == kJSONText && str != "" && !json.Valid([]byte(str)) {
			return want(`a string holding JSON text, such as "{\"debug\": false}"`)
		}
		if s.secret && hasPassword(str) {
			w.warn = append(w.warn, fmt.Sprintf("admin settings %s holds a password: admin-settings.json is readable by every local user; use a proxy that authenticates otherwise (Kerberos/NTLM) or a PAC file", at))
		}
	case kStrings, kStringOrStrings:
		if _, ok := v.(string); ok && s.kind == kStringOrStrings {
			return nil
		}
		a, ok := v.([]any)
		if !ok {
			if s.kind == kStringOrStrings {
				return want("a string or an array of strings, got " + jsonType(v))
			}
			return want("an array of strings, got " + jsonType(v))
		}
		for i, e := range a {
			if _, ok := e.(string); !ok {
				return &PathError{Path: fmt.Sprintf("%s[%d]", at, i), Want: "a string, got " + jsonType(e)}
			}
		}
	case kArray:
		a, ok := v.([]any)
		if !ok {
			return want("an array, got " + jsonType(v))
		}
		for i, e := range a {
			if err := w.walk(s.elem, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
	case kObject:
		m, ok := v.(map[string]any)
		if !ok {
			if at == "" {
				return errors.New("admin settings: want a JSON object, got " + jsonType(v))
			}
			return want("an object, got " + jsonType(v))
		}
		for _, k := range sortedKeys(m) {
			p := k
			if at != "" {
				p = at + "." + k
			}
			f, ok := s.fields[k]
			if !ok {
				w.warn = append(w.warn, fmt.Sprintf("admin settings: unknown key %s, written as given (Docker adds keys in new releases; check its spelling)", p))
				continue
			}
			if err := w.walk(f, m[k], p); err != nil {
				return err
			}
		}
	}
	return nil
}

// hasPassword reports whether a proxy URL carries a password.
func hasPassword(s string) bool {
	u, err := url.Parse(s)
	if err != nil || u.User == nil {
		return false
	}
	_, ok := u.User.Password()
	return ok
}

// HasPassword reports whether a proxy URL carries a password.
func HasPassword(s string) bool { return hasPassword(s) }

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case json.Number, float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Decode returns text as JSON: text itself when it is JSON (a UTF-8 byte
// order mark dropped), or, for the form Docker's install guide shows,
// text with its single-quoted strings rewritten as JSON strings, and
// single true. Anything else is an error saying where it stopped.
func Decode(text string) (js string, single bool, err error) {
	text = strings.TrimPrefix(text, "\ufeff")
	if strings.TrimSpace(text) == "" {
		return "", false, errors.New("admin settings: empty; give JSON text or @FILE")
	}
	if json.Valid([]byte(text)) {
		return text, false, nil
	}
	if conv, ok := singleToDouble(text); ok && json.Valid([]byte(conv)) {
		return conv, true, nil
	}
	var v any
	err = json.Unmarshal([]byte(text), &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "", false, fmt.Errorf("admin settings: not JSON: %v (at byte %d)", se, se.Offset)
	}
	return "", false, fmt.Errorf("admin settings: not JSON: %v", err)
}

// singleToDouble rewrites each '…' string outside double-quoted ones as a
// JSON string; false when there is none or one is unterminated.
func singleToDouble(s string) (string, bool) {
	var b strings.Builder
	found := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '"': // a JSON string: copy it through unchanged
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' {
					j++
				}
			}
			if j >= len(s) {
				return "", false
			}
			b.WriteString(s[i : j+1])
			i = j
		case '\'':
			found = true
			var raw strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '\''; j++ {
				if s[j] == '\\' && j+1 < len(s) && s[j+1] == '\'' {
					j++
				}
				raw.WriteByte(s[j])
			}
			if j >= len(s) {
				return "", false
			}
			var q bytes.Buffer
			enc := json.NewEncoder(&q)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(raw.String())
			b.Write(bytes.TrimSuffix(q.Bytes(), []byte("\n")))
			i = j
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), found
}
