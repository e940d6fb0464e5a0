package install

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"io/fs"
	"path"
)

// planHelper is step 8: the privileged port helper, its LaunchDaemon
// (KeepAlive: launchd restarts it; only an uninstall request boots it out)
// and, live, its job. Without --privileged-ports a helper of ours is
// removed with the old receipt's leftovers.
func (p *planner) planHelper() error {
	const step = "helper"
	if !p.opts.PrivilegedPorts {
		return nil
	}
	d := p.opts.Product
	bin, src, appsOwn, err := p.helperSource()
	if err != nil {
		return err
	}
	// /Library/PrivilegedHelperTools is absent on a fresh Mac; macOS
	// makes it root:wheel 1755. launchd never starts a job whose log
	// directory is missing.
	if err := p.ensureDir(step, path.Dir(d.HelperBinary()), rootWheel, fs.ModeSticky|0o755); err != nil {
		return err
	}
	for _, dir := range []string{path.Dir(d.HelperPlist()), path.Dir(d.HelperLogPath())} {
		if err := p.ensureDir(step, dir, rootWheel, 0o755); err != nil {
			return err
		}
	}
	if logDir := path.Dir(d.HelperLogPath()); !p.hasItem("dir", logDir) {
		// Made by the installer's own log before this plan: ours all the
		// same (uninstall removes it once it is empty).
		p.receipt = append(p.receipt, Item{Kind: "dir", Path: logDir, Step: step})
	}
	if fromFile(d) {
		desc, err := encodePlist(d)
		if err != nil {
			return err
		}
		if err := p.ensureDir(step, d.AppSupportDir, rootWheel, 0o755); err != nil {
			return err
		}
		if err := p.putFile(step, productFile(d), "", "", desc, 0o644, rootWheel, "product descriptor for vmnetd"); err != nil {
			return err
		}
	}
	if p.replaceOnly == nil {
		p.replaceOnly = map[string]bool{}
	}
	p.replaceOnly[d.HelperBinary()], p.replaceOnly[d.HelperPlist()] = true, true
	n := len(p.ops)
	if err := p.putFile(step, d.HelperBinary(), "", "", bin, 0o755, rootWheel, "vmnetd from "+src); err != nil {
		return err
	}
	binChanged := len(p.ops) > n
	ld := p.helperDaemon(appsOwn)
	plist, err := encodePlist(ld)
	if err != nil {
		return err
	}
	detail := "vmnetd LaunchDaemon"
	if appsOwn {
		detail = "the app's own helper's LaunchDaemon"
	}
	if st, err := observeFile(p.env.FS, d.HelperPlist()); err == nil && st.exists {
		if was := plistVersion(st.data); was != ld.Version {
			detail += fmt.Sprintf(" (Version %s, the app wants %s)", orNone(was), orNone(ld.Version))
		}
	}
	n, later := len(p.ops), len(p.later)
	if err := p.putFile(step, d.HelperPlist(), d.HelperLabel, "", plist, 0o644, rootWheel, detail); err != nil {
		return err
	}
	if len(p.ops) > n || len(p.later) > later {
		return nil // (re)bootstrapped: it starts with the new binary and profile
	}
	// Same job, still loaded: restart it when what it runs or serves
	// changed (it reads the profile only at start).
	if why := p.helperStale(binChanged); why != "" {
		p.kickstart(step, d.HelperLabel, why)
	}
	return nil
}

// helperStale says why a running helper no longer serves what this run
// sets up, or "".
func (p *planner) helperStale(binChanged bool) string {
	o := p.old
	switch {
	case binChanged:
		return "new binary"
	case o == nil:
		return "new profile"
	case o.User != p.user.Name || o.UID != p.user.UID:
		return "profile user changed"
	case o.PolicyKey != p.opts.PolicyKey:
		return "policy key changed"
	}
	return ""
}

// orNone names an empty value.
func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// helperSource finds the vmnetd to install (docs/contract.md §4 step 8):
// --helper-binary, else the app's own helper when its version still
// ships one (appsOwn: it gets the app's job shape), else ours beside the
// installer. An app of 4.89 or later has no helper of its own: ours is
// installed even if its bundle holds a file of that name.
func (p *planner) helperSource() (bin []byte, src string, appsOwn bool, err error) {
	bin, src, err = p.helperFile()
	return bin, src, err == nil && src == p.appHelperPath(), err
}

// appHelperPath is where the app bundle keeps its own helper.
func (p *planner) appHelperPath() string {
	d := p.opts.Product
	return d.AppBundle + "/Contents/Library/LaunchServices/" + d.HelperLabel
}

func (p *planner) helperFile() ([]byte, string, error) {
	d := p.opts.Product
	read := p.env.ReadHostFile
	if f := p.opts.HelperBinary; f != "" {
		b, err := read(f)
		if err != nil {
			return nil, "", Errorf(KindUsage, "--helper-binary: %w", err)
		}
		sum := sha256.Sum256(b)
		p.helperSum = hex.EncodeToString(sum[:])
		return b, f, nil
	}
	if want := p.opts.HelperSHA256; want != "" && p.opts.DryRun {
		// Status: the helper is the one install took from --helper-binary.
		p.helperSum = want
		b, err := p.env.FS.ReadFile(d.HelperBinary())
		if sum := sha256.Sum256(b); err == nil && hex.EncodeToString(sum[:]) == want {
			return b, "--helper-binary (sha256 " + want + ")", nil
		}
		return []byte("the helper with sha256 " + want), "--helper-binary (sha256 " + want + ", as install recorded)", nil
	}
	inApp := p.appHelperPath()
	own := d.HasOwnHelper(p.appInfo().Version())
	b, err := p.env.FS.ReadFile(inApp)
	if err == nil && !own {
		err = fs.ErrNotExist // 4.89+: not a helper to run
	}
	if err == nil {
		// Root will run it: it must come from a place only root controls.
		if err := checkTrusted(p.env, inApp); err != nil {
			return nil, "", errNotRootsHelper(inApp, err)
		}
		return b, inApp, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	if f := p.env.FallbackHelper; f != "" {
		if b, err := read(f); err == nil {
			return b, f, nil
		}
	}
	if !own {
		return nil, "", Errorf(KindNoProduct, "no vmnetd to install: the app (version %s) has no helper of its own and none is beside the installer (%s); pass --helper-binary PATH", p.appInfo().Version(), p.env.FallbackHelper)
	}
	return nil, "", Errorf(KindNoProduct, "no vmnetd to install: not in %s, not beside the installer (%s); pass --helper-binary PATH", inApp, p.env.FallbackHelper)
}
