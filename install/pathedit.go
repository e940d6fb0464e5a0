package install

import (
	"path"

	"github.com/macfleet/installer/install/users"
)

// pathsDDir holds one file per product naming a dir to add to PATH;
// path_helper reads it for every login shell on macOS.
const pathsDDir = "/etc/paths.d"

// shellFiles get our marked PATH block (docs/contract.md §4 step 5, shell mode).
var shellFiles = []string{".zprofile", ".bash_profile"}

// planPath is step 5: put the user CLI location on PATH. Nothing is
// needed for the system location, which is on PATH already.
func (p *planner) planPath(u users.User) error {
	const step = "path"
	if p.opts.CLILocation != "user" {
		return nil
	}
	d := p.opts.Product
	switch p.opts.PathEdit {
	case "paths.d":
		if err := p.ensureDir(step, pathsDDir, rootWheel, 0o755); err != nil {
			return err
		}
		return p.putFile(step, path.Join(pathsDDir, d.Name), "", "", []byte(userBinDir(d, u)+"\n"), 0o644, rootWheel, "PATH entry for "+u.Name)
	case "shell":
		bin := "$HOME/" + path.Join(d.UserDir, "bin")
		for _, f := range shellFiles {
			if err := p.planShellBlock(step, u, path.Join(u.Home, f), []string{`export PATH="` + bin + `:$PATH"`}); err != nil {
				return err
			}
		}
		conf := path.Join(u.Home, ".config/fish/conf.d")
		if err := p.ensureDir(step, conf, userOwner(u), 0o755); err != nil {
			return err
		}
		fish := "# Added by the " + d.Name + " installer; removed by its uninstall.\n" +
			"contains -- \"" + bin + "\" $PATH; or set -gx PATH \"" + bin + "\" $PATH\n"
		return p.putFile(step, path.Join(conf, d.Name+".fish"), "", u.Home, []byte(fish), 0o644, userOwner(u), "fish PATH for "+u.Name)
	}
	return nil
}

// planShellBlock ensures our block in a shell startup file of the user's,
// following a link only inside the home, creating the file (owned by the
// user) if missing.
func (p *planner) planShellBlock(step string, u users.User, file string, body []string) error {
	fsys := p.fsFor(file)
	target, err := fsys.Resolve(file)
	if err != nil {
		return p.refuseEdit(fsys, file, err)
	}
	st, err := observeFile(fsys, target)
	if err != nil {
		return err
	}
	created := !st.exists
	if old, ok := p.oldItem("block", file); ok {
		created = old.Created
	}
	p.receipt = append(p.receipt, Item{Kind: "block", Path: file, Created: created, Step: step, Home: u.Home})
	name := p.opts.Product.Name
	out := ensureBlock(st.data, name, body)
	if st.exists && string(out) == string(st.data) {
		return nil
	}
	perm, o := fileModeOr(st, 0o644), userOwner(u)
	if st.exists {
		o = owner{uid: st.uid, gid: st.gid, name: displayOwner("", st.uid, st.gid)}
	}
	p.editText(step, target, st, perm, o, "PATH block", func(cur []byte) []byte { return ensureBlock(cur, name, body) }, out)
	return nil
}
