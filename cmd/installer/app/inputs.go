package app

import (
	"errors"
	"fmt"
	"sort"
	"syscall"

	"github.com/urfave/cli/v2"

	"github.com/macfleet/installer/install"
	"github.com/macfleet/installer/install/product"
	"github.com/macfleet/installer/install/users"
	"github.com/macfleet/installer/mdm"
)

// inputs are the install settings with their precedence (docs/contract.md §11):
// command-line flags, then the user-scope managed preferences, then the
// device-scope ones, then the defaults.
type inputs struct {
	c     *cli.Context
	prefs map[string]any    // by flag name
	from  map[string]string // by flag name: the managed-preferences file
}

func (in inputs) given(name string) bool { return given(in.c, name) && name != "user" }

// str is a string setting.
func (in inputs) str(name string) string {
	if !in.given(name) {
		if v, ok := in.prefs[name].(string); ok {
			return v
		}
	}
	return str(in.c, name)
}

// list is a repeatable string setting.
func (in inputs) list(name string) []string {
	if !in.given(name) {
		if v, ok := in.prefs[name].([]string); ok {
			return v
		}
	}
	return strs(in.c, name)
}

// tri is a --name/--no-name pair: whether it was set anywhere, and to what.
func (in inputs) tri(name string) (set, on bool, err error) {
	if set, on, err = tristate(in.c, name); set || err != nil {
		return set, on, err
	}
	if v, ok := in.prefs[name].(bool); ok {
		return true, v, nil
	}
	return false, false, nil
}

// source says where a setting came from, for `plan`.
func (in inputs) source(name string) string {
	switch {
	case in.given(name) || given(in.c, "no-"+name):
		return "command line"
	case in.from[name] != "":
		return in.from[name]
	}
	return "default"
}

// sources lists every setting that did not come from its default.
func (in inputs) sources() []string {
	var out []string
	for _, k := range mdm.Keys() {
		if src := in.source(k.Flag); src != "default" {
			out = append(out, fmt.Sprintf("%s from %s", k.Flag, src))
		}
	}
	sort.Strings(out)
	return out
}

// loadInputs reads the managed preferences of the product's domain inside
// the root: device scope first (it may name the user), then the user's;
// "@console" is resolved to the console user.
func loadInputs(c *cli.Context, s *session, d product.Descriptor) (inputs, error) {
	in := inputs{c: c, prefs: map[string]any{}, from: map[string]string{}}
	user, from := str(c, "user"), "command line"
	if user == "" {
		p, _, err := mdm.Load(s.env.FS, d.ManagedDomain, "")
		if err != nil {
			return in, install.Errorf(install.KindUsage, "%w", err)
		}
		if p.User != nil {
			user, from = *p.User, p.Source["User"]
		}
	}
	if mdm.ParseUserArg(user) {
		name, err := consoleUser(s)
		if err != nil {
			return in, err
		}
		user, from = name, from+" (@console)"
	}
	if user != "" {
		if err := users.CheckName(user); err != nil {
			return in, install.Errorf(install.KindBadUser, "%w", err)
		}
	}
	p, unknown, err := mdm.Load(s.env.FS, d.ManagedDomain, user)
	if err != nil {
		return in, install.Errorf(install.KindUsage, "%w", err)
	}
	for _, k := range unknown {
		s.log.Warn("managed preferences: unknown key " + k + " ignored")
	}
	settings := p.Settings()
	for _, k := range mdm.Keys() {
		if v, ok := settings[k.Name]; ok {
			in.prefs[k.Flag], in.from[k.Flag] = v, p.Source[k.Name]
		}
	}
	// The user is the one resolved above, whatever a scope file says.
	in.prefs["user"], in.from["user"] = user, from
	if user == "" {
		delete(in.prefs, "user")
	}
	return in, nil
}

// consoleUser is the owner of /dev/console inside the root (docs/contract.md §11).
func consoleUser(s *session) (string, error) {
	fi, err := s.env.FS.Stat("/dev/console")
	if err != nil {
		return "", install.Errorf(install.KindNoConsole, "%w", mdm.ErrNoConsoleUser)
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return "", install.Errorf(install.KindNoConsole, "%w", mdm.ErrNoConsoleUser)
	}
	nameOf := func(uid int) (string, error) { return users.OfflineNameOf(s.env.FS, uid) }
	if s.env.Live {
		nameOf = users.LiveNameOf
	}
	name, err := mdm.ConsoleUser(int(st.Uid), nameOf)
	if errors.Is(err, mdm.ErrNoConsoleUser) {
		return "", install.Errorf(install.KindNoConsole, "%w", err)
	}
	return name, err
}
