package install

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"time"

	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// The user-mode counterpart of the single-user profile (docs/contract.md §5 setup):
// ~/<user dir>/installer-state.json records that the user declined (or
// could not grant) the admin setup, so the app does not ask again, and,
// as the receipt, exactly what setup created, so that its own next run,
// a user-mode uninstall, or a later root install can remove just that.
//
// SECURITY: the file is the user's. Root reads it only through the strict
// home root, only acts on receipt paths inside the home, and never takes
// an owner or a set-id mode from it (items() below).

// stateFileName is the state file, in the user dir.
const stateFileName = "installer-state.json"

// maxStateSize bounds what is read of a user-controlled file.
const maxStateSize = 1 << 20

// declinedByUserMode lists what user mode goes without.
var declinedByUserMode = []string{"system-links", "socket-link", "privileged-ports"}

// SetupState is the state file's content.
type SetupState struct {
	Product          string      `json:"product"`
	Mode             string      `json:"mode"` // "user"
	User             string      `json:"user"`
	UID              int         `json:"uid"`
	GID              int         `json:"gid"`
	Home             string      `json:"home"`
	PathEdit         string      `json:"pathEdit"`
	Context          string      `json:"context"`
	Declined         []string    `json:"declined"`
	DeclinedAt       time.Time   `json:"declinedAt"`
	InstallerVersion string      `json:"installerVersion"`
	Receipt          []stateItem `json:"receipt"`
}

// stateItem is a receipt Item as JSON; Home is the state's home.
type stateItem struct {
	Kind         string `json:"kind"`
	Path         string `json:"path"`
	Target       string `json:"target,omitempty"`
	Previous     string `json:"previous,omitempty"`
	Created      bool   `json:"created,omitempty"`
	Step         string `json:"step"`
	SHA256       string `json:"sha256,omitempty"`
	Existed      bool   `json:"existed,omitempty"`
	PreviousData []byte `json:"previousData,omitempty"`
	PreviousMode int    `json:"previousMode,omitempty"`
	// AppKeys are the app settings store's keys setup set.
	AppKeys []AppKey `json:"appKeys,omitempty"`
}

// statePath is the state file of u for product d.
func statePath(d product.Descriptor, u users.User) string {
	return path.Join(u.Home, d.UserDir, stateFileName)
}

func toStateItems(items []Item) []stateItem {
	out := make([]stateItem, 0, len(items))
	for _, it := range items {
		out = append(out, stateItem{Kind: it.Kind, Path: it.Path, Target: it.Target, Previous: it.Previous,
			Created: it.Created, Step: it.Step, SHA256: it.SHA256, Existed: it.Existed,
			PreviousData: it.PreviousData, PreviousMode: it.PreviousMode, AppKeys: it.AppKeys})
	}
	return out
}

// items turns the state's receipt into Items for user u, refusing any
// that is not inside u's home. A replaced file is put back owned by u and
// without set-id bits whatever the file says.
func (s *SetupState) items(u users.User) ([]Item, error) {
	out := make([]Item, 0, len(s.Receipt))
	for i, it := range s.Receipt {
		switch it.Kind {
		case "dir", "link", "file", "block", "current-context", "app-settings":
		default:
			return nil, fmt.Errorf("receipt item %d has unknown kind %q", i, it.Kind)
		}
		p, err := rootfs.Clean(it.Path)
		if err != nil || p != it.Path || !under(p, u.Home) || p == u.Home {
			return nil, fmt.Errorf("receipt item %d: %q is not a path inside the home %s", i, it.Path, u.Home)
		}
		switch it.Step {
		case "links", "path", "context", StepAppSettings:
		default:
			return nil, fmt.Errorf("receipt item %d: unknown step %q", i, it.Step)
		}
		item := Item{Kind: it.Kind, Path: it.Path, Target: it.Target, Previous: it.Previous,
			Created: it.Created, Step: it.Step, Home: u.Home, SHA256: it.SHA256}
		if it.Kind == "file" && it.Existed {
			item.Existed, item.PreviousData, item.PreviousMode, item.PreviousUID, item.PreviousGID =
				true, it.PreviousData, it.PreviousMode&0o777, u.UID, u.GID
		}
		if it.Kind == "app-settings" {
			item.AppKeys = it.AppKeys
		}
		if it.Kind == "current-context" {
			item.Existed, item.PreviousData = it.Existed, it.PreviousData
		}
		out = append(out, item)
	}
	return out, nil
}

func encodeState(s *SetupState) ([]byte, error) {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode state: %w", err)
	}
	return append(b, '\n'), nil
}

// readState reads the state file of u at sp through the home's strict
// root; (nil, nil, nil) when there is none.
func readState(fsys rootfs.FS, sp string, u users.User) (*SetupState, []Item, []byte, error) {
	fi, err := fsys.Lstat(sp)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil, nil
	}
	if err != nil {
		return nil, nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, nil, fmt.Errorf("%s is not a regular file (%s)", sp, fi.Mode().Type())
	}
	if fi.Size() > maxStateSize {
		return nil, nil, nil, fmt.Errorf("%s is larger than %d bytes", sp, maxStateSize)
	}
	data, err := fsys.ReadFile(sp)
	if err != nil {
		return nil, nil, nil, err
	}
	var s SetupState
	if err := json.Unmarshal(data, &s); err != nil {
		return nil, nil, nil, fmt.Errorf("%s is not valid (%v)", sp, err)
	}
	if s.Product == "" || s.Mode != "user" {
		return nil, nil, nil, fmt.Errorf("%s is not valid (no product, or mode %q is not \"user\")", sp, s.Mode)
	}
	items, err := s.items(u)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("%s is not valid: %w", sp, err)
	}
	return &s, items, data, nil
}

// planState writes the state file when anything in it changed; the time
// of the decline is kept from the first run.
func (p *planner) planState(u users.User, old *SetupState, oldBytes []byte) error {
	const step = "state"
	d := p.opts.Product
	sp := statePath(d, u)
	if err := p.ensureDir(step, path.Dir(sp), userOwner(u), 0o755); err != nil {
		return err
	}
	s := &SetupState{
		Product: d.Name, Mode: "user", User: u.Name, UID: u.UID, GID: u.GID, Home: u.Home,
		PathEdit: p.opts.PathEdit, Context: d.CLIContext, Declined: declinedByUserMode,
		InstallerVersion: p.env.Version, Receipt: toStateItems(canonical(p.receipt)),
	}
	if old != nil {
		s.DeclinedAt = old.DeclinedAt
	}
	data, err := encodeState(s)
	if err != nil {
		return err
	}
	if old != nil && string(data) == string(oldBytes) {
		return nil
	}
	if old == nil {
		s.DeclinedAt = p.env.Now().UTC().Truncate(time.Second)
		if data, err = encodeState(s); err != nil {
			return err
		}
	}
	st, err := observeFile(p.fsFor(sp), sp)
	if err != nil {
		return err
	}
	p.writeFile(step, "write", sp, data, 0o644, userOwner(u), st, "user mode: declined "+fmt.Sprint(declinedByUserMode))
	return nil
}

// removeState plans the removal of the state file (the decline is
// cleared); planned before the receipt's dirs, so the user dir can be
// emptied after it.
func (p *planner) removeState(step, sp string) error {
	fsys := p.fsFor(sp)
	st, err := observeFile(fsys, sp)
	if err != nil || !st.exists {
		return err
	}
	chown := p.env.applyOwnership()
	p.add(Op{Step: step, Action: "remove", Path: sp, Detail: "user-mode state: the decline is cleared",
		Do:   func() error { return removeIfUnchanged(fsys, sp, st.data) },
		Undo: func() error { return st.restore(fsys, sp, chown) },
	})
	return nil
}

// HasSetupState reports whether u has a user-mode state file for d.
func HasSetupState(env *Env, d product.Descriptor, u users.User) bool {
	home, err := env.FS.Sub(u.Home)
	if err != nil {
		return false
	}
	_, err = home.Lstat("/" + path.Join(d.UserDir, stateFileName))
	return err == nil
}
