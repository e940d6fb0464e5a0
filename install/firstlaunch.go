package install

import (
	"errors"
	"io/fs"
	"path"

	"howett.net/plist"

	"github.com/macfleet/installer/install/appsettings"
	"github.com/macfleet/installer/install/users"
)

// maxStore bounds what is read as the app's settings store (real ones are
// a few KiB).
const maxStore = 1 << 20

// readStore reads one store file through the home's strict root: only a
// regular file of at most maxStore bytes; nil otherwise, with the error
// when the OS refused access.
func (p *planner) readStore(file string) ([]byte, error) {
	fsys := p.fsFor(file)
	fi, err := fsys.Lstat(file)
	if errors.Is(err, fs.ErrPermission) {
		return nil, err
	}
	if err != nil || !fi.Mode().IsRegular() || fi.Size() > maxStore {
		return nil, nil
	}
	b, err := fsys.ReadFile(file)
	if errors.Is(err, fs.ErrPermission) {
		return nil, err
	}
	return b, nil
}

// appStore is the store the app reads at launch: its bytes (nil: none)
// and key case; err when the OS refused access.
func (p *planner) appStore(u users.User) (data []byte, legacy bool, err error) {
	_, store, lfile := p.appStoreFiles(u)
	sdata, err := p.readStore(store)
	if err != nil {
		return nil, false, err
	}
	ldata, err := p.readStore(lfile)
	if err != nil {
		return nil, false, err
	}
	isLegacy, ok := appsettings.ReadFile(sdata != nil, ldata != nil, p.readsStore())
	switch {
	case !ok:
		return nil, false, nil
	case isLegacy:
		return ldata, true, nil
	}
	return sdata, false, nil
}

// appSettingsDrift is status's check of the app's store: each wanted key
// has its value in the file the app reads. nil when it has, or when the
// store cannot be read by this caller.
func (p *planner) appSettingsDrift(u users.User) []string {
	data, legacy, err := p.appStore(u)
	switch {
	case err != nil:
		return nil
	case data == nil:
		_, store, _ := p.appStoreFiles(u)
		return []string{"the app has no settings store (" + store + " is missing)"}
	}
	return appsettings.Drift(data, legacy, appsettings.Wanted(p.appWant()))
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
		f.Store, f.Legacy, _ = p.appStore(u)
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
	if r := p.launchctl(); r != nil && !f.HelperMissing {
		// Live, the job itself must be loaded: files launchd does not run
		// are no helper to the app.
		if _, err := r.Print(d.HelperLabel); err != nil {
			f.HelperMissing = true
		}
	}
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
	f.RootOwned, _ = RootOwnedInHome(p.env.FS, p.opts.Product, u.Home, 3)
	return f
}
