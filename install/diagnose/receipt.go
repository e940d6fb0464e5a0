package diagnose

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"

	"github.com/macfleet/installer/hostsfile"
	"github.com/macfleet/installer/hostsfile/block"
	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/rootfs"
)

// ReceiptState is what a receipt check found at one recorded path.
type ReceiptState string

const (
	ReceiptPresent    ReceiptState = "present"    // as the installer left it
	ReceiptChanged    ReceiptState = "changed"    // there, but not what was recorded
	ReceiptMissing    ReceiptState = "missing"    // gone
	ReceiptUnreadable ReceiptState = "unreadable" // could not be checked (permissions, unsafe link)
)

// ReceiptCheck is one receipt item and what is at its path now.
type ReceiptCheck struct {
	Kind   string       `json:"kind"`
	Path   string       `json:"path"`
	Step   string       `json:"step"`
	Label  string       `json:"label,omitempty"`
	State  ReceiptState `json:"state"`
	Detail string       `json:"detail,omitempty"`
}

// maxReceiptFile bounds what a receipt check reads of one file: the
// installer writes only small files, so a bigger one has changed.
const maxReceiptFile = 8 << 20

// CheckReceipt compares every path the profile's receipt records with the
// filesystem, read-only, for `installer diagnose`. Items in a user's home
// are reached through a strict sub-root of that home, as uninstall does,
// so a link the user made is never followed out of it.
func CheckReceipt(fsys rootfs.FS, prof *install.Profile, productName string) []ReceiptCheck {
	homes := map[string]rootfs.FS{}
	out := make([]ReceiptCheck, 0, len(prof.Receipt))
	for _, it := range prof.Receipt {
		c := ReceiptCheck{Kind: it.Kind, Path: it.Path, Step: it.Step, Label: it.Label}
		f := fsys
		if it.Home != "" {
			h, ok := homes[it.Home]
			if !ok {
				sub, err := install.OpenHome(fsys, it.Home)
				if err != nil {
					c.State, c.Detail = ReceiptUnreadable, fmt.Sprintf("home %s cannot be opened safely: %v", it.Home, err)
					out = append(out, c)
					continue
				}
				h = sub
				homes[it.Home] = h
			}
			f = h
		}
		c.State, c.Detail = checkItem(f, it, productName)
		out = append(out, c)
	}
	return out
}

func checkItem(fsys rootfs.FS, it install.Item, productName string) (ReceiptState, string) {
	fi, err := fsys.Lstat(it.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return ReceiptMissing, ""
	}
	if err != nil {
		return ReceiptUnreadable, err.Error()
	}
	switch it.Kind {
	case "link":
		if fi.Mode()&fs.ModeSymlink == 0 {
			return ReceiptChanged, fmt.Sprintf("a %s, not a link", typeWord(fi.Mode()))
		}
		got, err := fsys.Readlink(it.Path)
		if err != nil {
			return ReceiptUnreadable, err.Error()
		}
		if got != it.Target {
			return ReceiptChanged, fmt.Sprintf("points to %s, recorded %s", got, it.Target)
		}
	case "dir":
		if !fi.IsDir() {
			return ReceiptChanged, fmt.Sprintf("a %s, not a directory", typeWord(fi.Mode()))
		}
	case "file":
		if !fi.Mode().IsRegular() {
			return ReceiptChanged, fmt.Sprintf("a %s, not a regular file", typeWord(fi.Mode()))
		}
		if it.SHA256 == "" {
			return ReceiptPresent, ""
		}
		if fi.Size() > maxReceiptFile {
			return ReceiptChanged, fmt.Sprintf("%d bytes, larger than anything the installer writes", fi.Size())
		}
		data, err := fsys.ReadFile(it.Path)
		if err != nil {
			return ReceiptUnreadable, err.Error()
		}
		if got := fmt.Sprintf("%x", sha256.Sum256(data)); got != it.SHA256 {
			return ReceiptChanged, fmt.Sprintf("content sha256 %s, recorded %s", got[:12], it.SHA256[:min(12, len(it.SHA256))])
		}
	case "hosts", "block":
		// Our text lives in a shared file: present means our block (or, for
		// hosts, a line we disabled) is still in it.
		target, err := fsys.Resolve(it.Path)
		if err != nil {
			return ReceiptUnreadable, err.Error()
		}
		if st, err := fsys.Stat(target); err == nil && st.Size() > maxReceiptFile*8 {
			return ReceiptUnreadable, fmt.Sprintf("%d bytes: too large to check here", st.Size())
		}
		data, err := fsys.ReadFile(target)
		if errors.Is(err, fs.ErrNotExist) {
			return ReceiptMissing, ""
		}
		if err != nil {
			return ReceiptUnreadable, err.Error()
		}
		if it.Kind == "hosts" {
			r := hostsfile.Inspect(data, productName)
			if r.Blocks == 0 && r.Disabled == 0 {
				return ReceiptChanged, "our block and disabled lines are gone"
			}
			return ReceiptPresent, fmt.Sprintf("%d block(s), %d entries, %d disabled line(s)", r.Blocks, len(r.Entries), r.Disabled)
		}
		if len(block.Find(data, block.MustNew(productName), nil)) == 0 {
			return ReceiptChanged, "our block is gone"
		}
	default:
		return ReceiptPresent, "kind " + it.Kind + ": only its presence is checked"
	}
	return ReceiptPresent, ""
}

func typeWord(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m&fs.ModeSymlink != 0:
		return "link"
	case m.IsRegular():
		return "file"
	}
	return m.Type().String()
}
