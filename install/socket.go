package install

import (
	"errors"
	"io/fs"
	"path"
	"strings"

	"github.com/macfleet/installer/install/users"
)

// userSocket is the app's socket in u's home.
func (p *planner) userSocket(u users.User) string {
	return path.Join(u.Home, p.opts.Product.UserSocket)
}

// planSocket is step 6: the socket link, and the boot task that recreates
// it after every boot (/var/run is emptied at boot on macOS).
func (p *planner) planSocket(u users.User) error {
	const step = "socket"
	if !p.opts.DockerSocket {
		return nil
	}
	d := p.opts.Product
	want := p.userSocket(u)
	if err := p.planSocketLink(step, d.SocketLink, want); err != nil {
		return err
	}
	data, err := encodePlist(launchDaemon{
		Label: d.BootTaskLabel,
		// -h: never create the link inside a directory the old link
		// pointed to.
		ProgramArguments:            []string{"/bin/ln", "-s", "-f", "-h", want, d.SocketLink},
		RunAtLoad:                   true,
		AssociatedBundleIdentifiers: p.bundleIDs(),
	})
	if err != nil {
		return err
	}
	return p.putFile(step, d.BootTaskPlist(), d.BootTaskLabel, "", data, 0o644, rootWheel, "recreates "+d.SocketLink+" at boot")
}

// planSocketLink makes link point to want. A link there that is ours, or
// that the app itself made for some user's socket, is replaced; anything
// else is someone else's and is left alone.
func (p *planner) planSocketLink(step, link, want string) error {
	fsys := p.fsFor(link)
	fi, err := fsys.Lstat(link)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		p.link(step, link, want, "", rootWheel)
		p.receipt = append(p.receipt, Item{Kind: "link", Path: link, Target: want, Step: step})
		return nil
	case err != nil:
		return err
	case fi.Mode()&fs.ModeSymlink == 0:
		p.note("%s is a %s, not a link; left alone: clients must use %s or %s", link, fi.Mode().Type(), want, "$"+p.opts.Product.HostEnvVar)
		return nil
	}
	cur, err := fsys.Readlink(link)
	if err != nil {
		return err
	}
	old, inReceipt := p.oldItem("link", link)
	switch {
	case cur == want:
		if inReceipt {
			p.receipt = append(p.receipt, old)
		}
	case inReceipt || strings.HasSuffix(cur, "/"+p.opts.Product.UserSocket):
		prev := cur
		if inReceipt {
			prev = old.Previous
		}
		p.link(step, link, want, cur, rootWheel)
		p.receipt = append(p.receipt, Item{Kind: "link", Path: link, Target: want, Previous: prev, Step: step})
	default:
		p.note("%s is not ours (link to %s); left alone", link, cur)
	}
	return nil
}
