package install

import (
	"io/fs"
	"path"
	"syscall"

	"howett.net/plist"

	"github.com/macfleet/installer/install/appsettings"
	"github.com/macfleet/installer/install/users"
)

// maxStore bounds what is read as the app's settings store (real ones are
// a few KiB).
const maxStore = 1 << 20

// readStore reads one store file through the home's strict root: only a
// regular file of at most maxStore bytes; nil otherwise.
func (p *planner) readStore(file string) []byte {
	fsys := p.fsFor(file)
	fi, err := fsys.Lstat(file)
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxStore {
		return nil
	}
	b, err := fsys.ReadFile(file)
	if err != nil {
		return nil
	}
	return b
}

// FirstLaunch observes what the app will see at its first launch for u and
// judges it (docs/contract.md §14): its version, its settings store, the
// links, socket and helper root made, and root-owned entries in the home.
// It changes nothing and follows no link.
func (p *planner) firstLaunch(u users.User) appsettings.Verdict {
	return appsettings.Judge(p.firstLaunchFacts(u))
}

func (p *planner) firstLaunchFacts(u users.User) appsettings.Facts {
	d := p.opts.Product
	info := p.appInfo()
	v := info.Version()
	f := appsettings.Facts{OwnHelperEra: v.Known() && d.HasOwnHelper(v), SocketLink: d.SocketLink, VmnetdVersion: info.VmnetdVersion}
	if d.GroupContainer != "" {
		_, store, legacy := p.appStoreFiles(u)
		sdata, ldata := p.readStore(store), p.readStore(legacy)
		if isLegacy, ok := appsettings.ReadFile(sdata != nil, ldata != nil, p.readsStore()); ok {
			f.Store, f.Legacy = sdata, isLegacy
			if isLegacy {
				f.Store = ldata
			}
		}
	}
	fsys := p.env.FS
	if tools, err := bundledTools(p.env, d.BundledCLIDir()); err == nil {
		for _, t := range tools {
			if got, err := fsys.Readlink(path.Join("/usr/local/bin", t)); err != nil || got != path.Join(d.BundledCLIDir(), t) {
				f.SystemLinksMissing = t
				break
			}
		}
	}
	got, err := fsys.Readlink(d.SocketLink)
	_, berr := fsys.Lstat(d.BootTaskPlist())
	f.SocketMissing = err != nil || got != p.userSocket(u) || berr != nil
	_, perr := fsys.Lstat(d.HelperPlist())
	_, xerr := fsys.Lstat(d.HelperBinary())
	f.HelperMissing = perr != nil || xerr != nil
	if perr == nil {
		if b, err := fsys.ReadFile(d.HelperPlist()); err == nil {
			var pl struct {
				Version string `plist:"Version"`
			}
			if _, err := plist.Unmarshal(b, &pl); err == nil {
				f.HelperVersion = pl.Version
			}
		}
	}
	f.RootOwned = p.rootOwned(u, 3)
	return f
}

// rootOwned lists up to max entries owned by uid 0 in the user dir, the
// app container and the group container of u: a walk through the home's
// strict root that never follows a link and stops after a bounded number
// of entries.
func (p *planner) rootOwned(u users.User, max int) []string {
	d := p.opts.Product
	var out []string
	budget := 20000
	var walk func(string)
	walk = func(dir string) {
		ents, err := p.fsFor(dir).ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range ents {
			if len(out) >= max || budget <= 0 {
				return
			}
			budget--
			q := path.Join(dir, e.Name())
			fi, err := p.fsFor(q).Lstat(q)
			if err != nil {
				continue
			}
			if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == 0 {
				out = append(out, q)
			}
			if fi.Mode()&fs.ModeType == fs.ModeDir {
				walk(q)
			}
		}
	}
	for _, rel := range []string{d.UserDir, d.AppContainerDir(), d.GroupContainerDir()} {
		if rel == "" || len(out) >= max {
			continue
		}
		top := path.Join(u.Home, rel)
		fi, err := p.fsFor(top).Lstat(top)
		if err != nil {
			continue
		}
		if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Uid == 0 {
			out = append(out, top)
		}
		if fi.IsDir() {
			walk(top)
		}
	}
	return out
}
