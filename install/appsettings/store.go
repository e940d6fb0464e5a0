package appsettings

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"unicode"
	"unicode/utf8"
)

// The keys that decide the app's first launch, as settings-store.json
// (app 4.35 and later) spells them; settings.json (4.34 and earlier)
// has the same keys with a lowercase first letter (FileKey).
const (
	DockerBinInstallPath      = "DockerBinInstallPath"
	EnableDefaultDockerSocket = "EnableDefaultDockerSocket"
	RequireVmnetd             = "RequireVmnetd"
	ShowInstallScreen         = "ShowInstallScreen"
)

// Keys are the keys the installer sets, in the order it adds them.
var Keys = []string{DockerBinInstallPath, EnableDefaultDockerSocket, RequireVmnetd, ShowInstallScreen}

// FileKey is key as the store file spells it: PascalCase in
// settings-store.json, a lowercase first letter in settings.json.
func FileKey(key string, legacy bool) string {
	if !legacy || key == "" {
		return key
	}
	r, n := utf8.DecodeRuneInString(key)
	return string(unicode.ToLower(r)) + key[n:]
}

// Value is one wanted member: a key (PascalCase) and its JSON value.
type Value struct {
	Key string
	Raw string
}

// Want is what this run installed, from which the wanted values follow.
type Want struct {
	// CLILocation is "system" or "user" (--cli-location).
	CLILocation string
	// DockerSocket is --docker-socket; PrivilegedPorts --privileged-ports.
	DockerSocket, PrivilegedPorts bool
	// SetVmnetd says RequireVmnetd is set: an app that ships its own
	// helper (up to the descriptor's last version with one) or of unknown
	// version. A newer app does not use the key, which is left as it is.
	SetVmnetd bool
}

// Wanted is the values the store must hold so that the app asks nothing
// at launch: the CLI where root linked it, the socket link only when root
// made it, the helper only when root installed it, and no first-run
// window asking for privileged access.
func Wanted(w Want) []Value {
	q, _ := json.Marshal(w.CLILocation)
	out := []Value{
		{DockerBinInstallPath, string(q)},
		{EnableDefaultDockerSocket, jsonBool(w.DockerSocket)},
	}
	if w.SetVmnetd {
		out = append(out, Value{RequireVmnetd, jsonBool(w.PrivilegedPorts)})
	}
	return append(out, Value{ShowInstallScreen, "false"})
}

// UserMode is what `installer setup` (no administrator) sets: the CLI in
// the user's dir, no socket link, no helper, no first-run window.
func UserMode() []Value {
	return Wanted(Want{CLILocation: "user", SetVmnetd: true})
}

func jsonBool(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// Files says which store files to set: each that exists, both when both
// do (the app converts settings.json into settings-store.json once, then
// reads only the latter; an older app reads only the former); where
// neither exists, the one the app reads: settings-store.json when
// readsStore (app 4.35 and later, or of unknown version).
func Files(store, legacy, readsStore bool) (setStore, setLegacy bool) {
	if store || legacy {
		return store, legacy
	}
	return readsStore, !readsStore
}

// ReadFile is the file the app reads its settings from at launch: an app
// 4.35 or later reads settings-store.json, or converts settings.json when
// it finds only that; an older app reads settings.json. "" when it has
// none (its defaults apply).
func ReadFile(store, legacy, readsStore bool) (legacyFile bool, ok bool) {
	switch {
	case readsStore && store:
		return false, true
	case legacy:
		return true, true
	}
	return false, false
}

// NotObjectError is a store that is not one JSON object: the installer
// leaves it byte for byte as it is, with a warning.
type NotObjectError struct{ Err error }

func (e *NotObjectError) Error() string { return "not a JSON object: " + e.Err.Error() }
func (e *NotObjectError) Unwrap() error { return e.Err }

// Edit sets want in data, a store file's bytes (settings.json's key case
// when legacy): a member whose value is already the wanted one (as JSON,
// whatever its spelling) is left as it is, another one's value is
// replaced in place, a missing one goes at the end with the separators
// the file uses. Every other member keeps its bytes and its place. Empty
// data is a new file (NewFile). The result is data itself when nothing
// differs.
func Edit(data []byte, legacy bool, want []Value) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return NewFile(legacy, want), nil
	}
	out := data
	for _, v := range want {
		o, err := Parse(out)
		if err != nil {
			return nil, &NotObjectError{err}
		}
		k := FileKey(v.Key, legacy)
		if raw, ok := o.Get(out, k); ok && Same(raw, []byte(v.Raw)) {
			continue
		}
		out = Set(out, o, k, []byte(v.Raw))
	}
	return out, nil
}

// NewFile is a store holding only want, laid out as the app writes its
// store (two-space indent, a final newline).
func NewFile(legacy bool, want []Value) []byte {
	var b bytes.Buffer
	b.WriteString("{")
	for i, v := range want {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(FileKey(v.Key, legacy))
		fmt.Fprintf(&b, "\n  %s: %s", k, v.Raw)
	}
	b.WriteString("\n}\n")
	return b.Bytes()
}

// Same reports whether two raw JSON values are equal as JSON.
func Same(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var x, y any
	return json.Unmarshal(a, &x) == nil && json.Unmarshal(b, &y) == nil && reflect.DeepEqual(x, y)
}

// Record is what uninstall needs for one key: the value it had before the
// first install that set it (Had false: it was absent), and the value the
// installer wrote.
type Record struct {
	Key      string // as the file spells it
	Had      bool
	Previous string // raw JSON, when Had
	Value    string // raw JSON written by the installer
}

// Observe is the record of each wanted key as data holds it now (before
// this run's edit). data must be an object or empty.
func Observe(data []byte, legacy bool, want []Value) []Record {
	o, _ := Parse(data)
	out := make([]Record, 0, len(want))
	for _, v := range want {
		r := Record{Key: FileKey(v.Key, legacy), Value: v.Raw}
		if o != nil {
			if raw, ok := o.Get(data, r.Key); ok {
				r.Had, r.Previous = true, string(raw)
			}
		}
		out = append(out, r)
	}
	return out
}

// Restore puts back, in data, each recorded key whose value is still the
// one the installer wrote (a key someone changed since is left alone): its
// previous value, or no member at all when it had none. Removing members
// the installer added gives the file's earlier bytes back exactly. The
// result is data itself when nothing differs; empty reports that the
// object holds no member afterwards.
func Restore(data []byte, recs []Record) (out []byte, empty bool, err error) {
	out = data
	for i := len(recs) - 1; i >= 0; i-- {
		r := recs[i]
		o, err := Parse(out)
		if err != nil {
			return data, false, &NotObjectError{err}
		}
		raw, ok := o.Get(out, r.Key)
		if !ok || !Same(raw, []byte(r.Value)) {
			continue
		}
		switch {
		case !r.Had:
			out = Remove(out, o, r.Key)
		case !bytes.Equal(raw, []byte(r.Previous)):
			out = Set(out, o, r.Key, []byte(r.Previous))
		}
	}
	o, err := Parse(out)
	if err != nil {
		return data, false, &NotObjectError{err}
	}
	return out, o.Len() == 0, nil
}

// Drift names each wanted key whose value in data (the file the app reads)
// is not the wanted one: "KEY is VALUE, want WANTED" ("KEY is missing").
func Drift(data []byte, legacy bool, want []Value) []string {
	o, err := Parse(data)
	if err != nil {
		return []string{"not a JSON object: " + err.Error()}
	}
	var out []string
	for _, v := range want {
		k := FileKey(v.Key, legacy)
		raw, ok := o.Get(data, k)
		switch {
		case !ok:
			out = append(out, fmt.Sprintf("%s is missing, want %s", k, v.Raw))
		case !Same(raw, []byte(v.Raw)):
			out = append(out, fmt.Sprintf("%s is %s, want %s", k, raw, v.Raw))
		}
	}
	return out
}
