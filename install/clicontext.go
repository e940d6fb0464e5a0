package install

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"

	"github.com/macfleet/installer/install/appsettings"
	"github.com/macfleet/installer/install/rootfs"
	"github.com/macfleet/installer/install/users"
)

// Without the socket link (docs/contract.md §5 setup, Docker Desktop 4.17, docs/docker-desktop.md), clients find
// the engine through the current CLI context: a context store entry whose
// docker endpoint is the user socket, made current in config.json. Both
// are written exactly as the docker CLI writes them, so `docker context
// ls` and `docker context inspect` read them as their own.

// currentContextKey is config.json's member naming the current context.
const currentContextKey = "currentContext"

// contextEndpoint and contextMeta are the docker CLI's meta.json
// (cli/context/store): field order and names are what it marshals.
type contextEndpoint struct {
	Host          string `json:"Host"`
	SkipTLSVerify bool   `json:"SkipTLSVerify"`
}

type contextMeta struct {
	Name      string                     `json:"Name"`
	Metadata  struct{}                   `json:"Metadata"`
	Endpoints map[string]contextEndpoint `json:"Endpoints"`
}

// userConfigDir is ~/<user dir>, the docker CLI's config dir.
func (p *planner) userConfigDir(u users.User) string {
	return path.Join(u.Home, p.opts.Product.UserDir)
}

// contextMetaFile is the store's meta.json of the product's context: its
// directory is named by the sha256 of the context name.
func (p *planner) contextMetaFile(u users.User) string {
	name := p.opts.Product.CLIContext
	return path.Join(p.userConfigDir(u), "contexts", "meta", sha([]byte(name)), "meta.json")
}

func (p *planner) configFile(u users.User) string {
	return path.Join(p.userConfigDir(u), "config.json")
}

// planContext writes the context and makes it current.
func (p *planner) planContext(u users.User) error {
	const step = "context"
	d := p.opts.Product
	host := "unix://" + p.userSocket(u)
	meta := p.contextMetaFile(u)
	data, err := json.Marshal(contextMeta{Name: d.CLIContext, Endpoints: map[string]contextEndpoint{"docker": {Host: host}}})
	if err != nil {
		return err
	}
	if _, ours := p.oldItem("file", meta); ours || !p.contextValid(meta, host) {
		if err := p.ensureDir(step, path.Dir(meta), userOwner(u), 0o755); err != nil {
			return err
		}
		if err := p.putFile(step, meta, "", u.Home, data, 0o644, userOwner(u), "CLI context "+d.CLIContext+" -> "+host); err != nil {
			return err
		}
	}
	return p.planCurrentContext(step, u)
}

// contextValid reports whether a context of the name that is not ours
// already reaches the engine at host (Docker Desktop writes its own, with
// a description): it is left as it is.
func (p *planner) contextValid(meta, host string) bool {
	data, err := p.fsFor(meta).ReadFile(meta)
	if err != nil {
		return false
	}
	var m struct {
		Name      string
		Endpoints map[string]contextEndpoint
	}
	return json.Unmarshal(data, &m) == nil && m.Name == p.opts.Product.CLIContext && m.Endpoints["docker"].Host == host
}

// newConfig is a config.json holding only the current context, laid out
// as the docker CLI lays it out.
func newConfig(name string) []byte {
	q, _ := json.Marshal(name)
	return appsettings.Concat([]byte("{\n\t\""+currentContextKey+"\": "), q, []byte("\n}"))
}

// withCurrentContext sets currentContext in a config.json's bytes.
func withCurrentContext(data []byte, name string) ([]byte, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return newConfig(name), nil
	}
	o, err := appsettings.Parse(data)
	if err != nil {
		return nil, err
	}
	q, _ := json.Marshal(name)
	return appsettings.Set(data, o, currentContextKey, q), nil
}

// planCurrentContext makes the context current in config.json, keeping
// every other byte. The receipt item (kind "current-context", in the state
// file only) keeps what undoing needs: the value it replaced (Previous),
// whether the file was new (Created), and, when the file held nothing else
// and so no secrets, its old bytes (Existed, PreviousData).
func (p *planner) planCurrentContext(step string, u users.User) error {
	name := p.opts.Product.CLIContext
	cfg := p.configFile(u)
	fsys := p.fsFor(cfg)
	target, err := fsys.Resolve(cfg)
	if err != nil {
		return p.refuseEdit(fsys, cfg, err)
	}
	st, err := observeFile(fsys, target)
	if err != nil {
		return err
	}
	if err := p.ensureDir(step, path.Dir(cfg), userOwner(u), 0o755); err != nil {
		return err
	}
	out, err := withCurrentContext(st.data, name)
	if err != nil {
		return Errorf(KindUsage, "%s is not valid JSON (%v); fix or remove it and rerun: it was left untouched", cfg, err)
	}
	it, ours := p.oldItem("current-context", cfg)
	if !ours {
		it = Item{Kind: "current-context", Path: cfg, Target: name, Step: step, Home: u.Home, Created: !st.exists}
		if st.exists {
			o, _ := appsettings.Parse(st.data)
			if o != nil {
				raw, has := o.Get(st.data, currentContextKey)
				if has && appsettings.IsString(raw, name) {
					return nil // the user made it current: not ours to undo
				}
				if has {
					it.Previous = string(raw)
				}
			}
			if o == nil || o.Len() == 0 {
				it.Existed, it.PreviousData = true, st.data
			}
		}
	}
	p.receipt = append(p.receipt, it)
	if st.exists && bytes.Equal(out, st.data) {
		return nil
	}
	perm := fileModeOr(st, 0o600) // it may hold credentials
	edit := func(cur []byte) []byte {
		if b, err := withCurrentContext(cur, name); err == nil {
			return b
		}
		return cur // made invalid meanwhile by someone else: not ours to fix
	}
	p.editText(step, target, st, perm, userOwner(u), "currentContext "+name, edit, out)
	return nil
}

// undoCurrentContext takes currentContext back to what it was before
// setup, if it still names our context; a config.json that someone has
// since pointed elsewhere or broken is left alone.
func (p *planner) undoCurrentContext(it Item, u users.User) error {
	fsys := p.fsFor(it.Path)
	target, err := fsys.Resolve(it.Path)
	if err != nil {
		p.note("%s cannot be resolved safely (%v); left alone", it.Path, err)
		return nil
	}
	st, err := observeFile(fsys, target)
	if err != nil {
		p.note("%s: %v; left alone", it.Path, err)
		return nil
	}
	if !st.exists {
		return nil
	}
	o, err := appsettings.Parse(st.data)
	if err != nil {
		p.note("%s is not valid JSON (%v); currentContext left alone", it.Path, err)
		return nil
	}
	raw, has := o.Get(st.data, currentContextKey)
	if !has || !appsettings.IsString(raw, it.Target) {
		return nil // no longer ours
	}
	only := o.Len() == 1
	if only && it.Created {
		p.add(Op{Step: it.Step, Action: "remove", Path: target, Detail: "created by setup",
			Do:   func() error { return removeIfUnchanged(fsys, target, st.data) },
			Undo: func() error { return st.restore(fsys, target, p.env.applyOwnership()) },
		})
		return nil
	}
	undo := func(cur []byte) []byte {
		o, err := appsettings.Parse(cur)
		if err != nil {
			return cur
		}
		switch raw, has := o.Get(cur, currentContextKey); {
		case !has || !appsettings.IsString(raw, it.Target):
			return cur
		case it.Previous != "":
			return appsettings.Set(cur, o, currentContextKey, []byte(it.Previous))
		case o.Len() == 1 && it.Existed:
			return it.PreviousData
		}
		return appsettings.Remove(cur, o, currentContextKey)
	}
	out := undo(st.data)
	o2 := owner{uid: st.uid, gid: st.gid, name: displayOwner("", st.uid, st.gid)}
	if p.env.applyOwnership() {
		o2 = userOwner(u) // root writes in the home only as the user
	}
	p.editText(it.Step, target, st, st.perm, o2, "currentContext back", undo, out)
	return nil
}

// removeIfUnchanged removes p if it still holds data.
func removeIfUnchanged(fsys rootfs.FS, p string, data []byte) error {
	cur, err := fsys.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if !bytes.Equal(cur, data) {
		return fmt.Errorf("%s changed during the run; left alone", p)
	}
	return fsys.Remove(p)
}
