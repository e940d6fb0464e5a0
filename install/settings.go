package install

import (
	"bytes"
	"encoding/json"
	"path"
)

// planSettings is step 8: the vendor's own install settings, as files in
// the app support dir that the app reads at start.
func (p *planner) planSettings() error {
	const step = "settings"
	d := p.opts.Product
	s := p.opts.Settings
	files := map[string][]byte{}
	if len(s.AllowedOrgs) > 0 {
		b, err := json.Marshal(struct {
			AllowedOrgs []string `json:"allowedOrgs"`
		}{s.AllowedOrgs})
		if err != nil {
			return err
		}
		files["registry.json"] = append(b, '\n')
	}
	if s.AdminSettings != "" {
		var buf bytes.Buffer
		if err := json.Indent(&buf, []byte(s.AdminSettings), "", "  "); err != nil {
			return Errorf(KindUsage, "--admin-settings is not valid JSON: %w", err)
		}
		files["admin-settings.json"] = append(buf.Bytes(), '\n')
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
	for _, name := range []string{"admin-settings.json", "install-settings.json", "registry.json"} {
		if data, ok := files[name]; ok {
			if err := p.putFile(step, path.Join(d.AppSupportDir, name), "", "", data, 0o644, rootWheel, "vendor setting"); err != nil {
				return err
			}
		}
	}
	return nil
}
