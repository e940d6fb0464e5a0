package install

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"

	"io/fs"
	"path"
)

// planHelper is step 7: the privileged port helper, its LaunchDaemon
// (KeepAlive: launchd restarts it; only an uninstall request boots it out)
// and, live, its job. Without --privileged-ports a helper of ours is
// removed with the old receipt's leftovers.
func (p *planner) planHelper() error {
	const step = "helper"
	if !p.opts.PrivilegedPorts {
		return nil
	}
	d := p.opts.Product
	bin, src, err := p.helperSource()
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
	plist, err := encodePlist(launchDaemon{
		Label:                       d.HelperLabel,
		ProgramArguments:            helperArgs(d),
		RunAtLoad:                   true,
		KeepAlive:                   &keepAlive{SuccessfulExit: false},
		AssociatedBundleIdentifiers: p.bundleIDs(),
		StandardOutPath:             d.HelperLogPath(),
		StandardErrorPath:           d.HelperLogPath(),
	})
	if err != nil {
		return err
	}
	n, later := len(p.ops), len(p.later)
	if err := p.putFile(step, d.HelperPlist(), d.HelperLabel, "", plist, 0o644, rootWheel, "vmnetd LaunchDaemon"); err != nil {
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

// helperSource finds the vmnetd to install (SPEC.md §4 step 7).
func (p *planner) helperSource() ([]byte, string, error) {
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
	inApp := d.AppBundle + "/Contents/Library/LaunchServices/" + d.HelperLabel
	b, err := p.env.FS.ReadFile(inApp)
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
	return nil, "", Errorf(KindNoProduct, "no vmnetd to install: not in %s, not beside the installer (%s); pass --helper-binary PATH", inApp, p.env.FallbackHelper)
}
