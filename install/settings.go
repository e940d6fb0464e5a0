package install

import (
	"encoding/json"
	"path"

	"github.com/macfleet/installer/install/adminsettings"
)

// vendorFiles are the files step 9 may write in the app support dir, in
// the order they are written.
var vendorFiles = []string{"admin-settings.json", "desktop.plist", "install-settings.json", "registry.json"}

// planSettings is step 9: the vendor's own install settings, as files in
// the app support dir that the app reads at start (docs/contract.md §4 step 9):
// registry.json and desktop.plist (Docker Desktop 4.32+ reads the plist
// first) for the allowed organizations, admin-settings.json checked
// against Docker's documented structure, install-settings.json for the
// rest.
func (p *planner) planSettings() error {
	const step = "settings"
	d := p.opts.Product
	s := p.opts.Settings
	for _, w := range s.Warnings {
		p.note("%s", w)
	}
	files := map[string][]byte{}
	if len(s.AllowedOrgs) > 0 {
		b, err := json.Marshal(struct {
			AllowedOrgs []string `json:"allowedOrgs"`
		}{s.AllowedOrgs})
		if err != nil {
			return err
		}
		files["registry.json"] = append(b, '\n')
		pl, err := encodePlist(struct {
			AllowedOrgs []string `plist:"allowedOrgs"`
		}{s.AllowedOrgs})
		if err != nil {
			return err
		}
		files["desktop.plist"] = append(pl, '\n')
	}
	if s.AdminSettings != "" {
		// Checked again here: whatever the caller did, a malformed file
		// never reaches the root.
		c, err := adminsettings.Check(s.AdminSettings)
		if err != nil {
			return Errorf(KindUsage, "--admin-settings: %w", err)
		}
		files["admin-settings.json"] = c.File
	}
	if s.AcceptLicense || s.ProxyHTTPMode != "" {
		b, err := json.MarshalIndent(s, "", "  ")
		if err != nil {
			return err
		}
		files["install-settings.json"] = append(b, '\n')
	}
	if len(files) == 0 {
		return nil
	}
	if err := p.ensureDir(step, d.AppSupportDir, rootWheel, 0o755); err != nil {
		return err
	}
	for _, name := range vendorFiles {
		if data, ok := files[name]; ok {
			if err := p.putFile(step, path.Join(d.AppSupportDir, name), "", "", data, 0o644, rootWheel, "vendor setting"); err != nil {
				return err
			}
		}
	}
	return nil
}
