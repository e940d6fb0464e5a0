package launchd

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
	"howett.net/plist"
)

// Model is launchd's system domain as it really behaves (docs/macos.md,
// launchd), for tests: labels are loaded, not loaded or disabled; a
// bootstrap of a loaded label exits 5 and of a disabled one 119 until
// `enable`; bootout and print of a label that is not loaded exit 113; a
// plist that is not root-owned or is group/world-writable is refused
// (122); a job whose log directory is missing is loaded but never runs
// (last exit 78, EX_CONFIG); `kickstart -k` restarts a loaded job.
//
// Its state lives in StatePath (JSON), so that it outlives each installer
// process as launchd does; without one it is kept in memory.
type Model struct {
	// Root is the directory that stands for / on the modelled Mac: plist
	// paths given to bootstrap are read inside it.
	Root string
	// StatePath is the JSON state file ("": in memory).
	StatePath string
	// Log, if set, gets each call as `launchctl ARGS` and, when it fails,
	// a second line `  exit N: MESSAGE`.
	Log io.Writer
	// Settle is how long launchd takes to tear a job down after bootout:
	// a bootstrap of that label before then exits 5, as on a real Mac.
	// The model's clock moves only when the runner waits (Runner), so a
	// test of a 5 s retry takes no time.
	Settle time.Duration

	mu  sync.Mutex
	mem *State
}

// State is the modelled system domain.
type State struct {
	Jobs map[string]*Job `json:"jobs"`
	// Clock is the model's time in milliseconds: it advances only when a
	// runner waits.
	Clock int64 `json:"clock,omitempty"`
	// Settling holds, per label booted out, the Clock until which launchd
	// is still tearing the job down.
	Settling map[string]int64 `json:"settling,omitempty"`
	// Disabled holds the persistent overrides (`launchctl disable` or a
	// switch turned off in Login Items): true disabled, false enabled.
	Disabled map[string]bool `json:"disabled,omitempty"`
}

// Job is one loaded job.
type Job struct {
	Path   string `json:"path"`
	SHA256 string `json:"sha256"` // of the plist bytes launchd loaded
	// Running: the process is up (a KeepAlive job that started).
	Running bool `json:"running"`
	// Runs counts the starts of the process.
	Runs int `json:"runs"`
	// LastExit is the last exit status, or nil if it never exited.
	LastExit *int `json:"lastExit,omitempty"`
	// Args are the job's ProgramArguments.
	Args []string `json:"args,omitempty"`
}

// Runner is the model as the installer sees it; its waits advance the
// model's clock instead of sleeping.
func (m *Model) Runner() Runner { return NewRunner(m.Exec, m.advance) }

func (m *Model) advance(d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	unlock, err := m.lock(false)
	if err != nil {
		return
	}
	defer unlock()
	if st, err := m.load(); err == nil {
		st.Clock += d.Milliseconds()
		_ = m.save(st)
	}
}

// Exec runs one launchctl command against the model.
func (m *Model) Exec(args []string) (string, int, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	// Any user may print the system domain; only root changes it.
	readOnly := len(args) > 0 && (args[0] == "print" || args[0] == "print-disabled")
	unlock, err := m.lock(readOnly)
	if err != nil {
		return "", 0, err
	}
	defer unlock()
	st, err := m.load()
	if err != nil {
		return "", 0, err
	}
	out, code := m.apply(st, args)
	if !readOnly {
		if err := m.save(st); err != nil {
			return "", 0, err
		}
	}
	if m.Log != nil {
		line := "launchctl " + strings.Join(args, " ") + "\n"
		if code != 0 {
			line += fmt.Sprintf("  exit %d: %s\n", code, strings.TrimSpace(out))
		}
		_, _ = io.WriteString(m.Log, line)
	}
	return out, code, nil
}

// Snapshot returns the current state (a copy), for tests.
func (m *Model) Snapshot() (*State, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, err := m.load()
	if err != nil {
		return nil, err
	}
	b, _ := json.Marshal(st)
	var c State
	return &c, json.Unmarshal(b, &c)
}

func (m *Model) lock(shared bool) (func(), error) {
	if m.StatePath == "" {
		return func() {}, nil
	}
	how, flag := syscall.LOCK_EX, os.O_RDWR|os.O_CREATE
	if shared {
		how, flag = syscall.LOCK_SH, os.O_RDONLY
	}
	f, err := os.OpenFile(m.StatePath+".lock", flag, 0o644)
	if shared && errors.Is(err, fs.ErrNotExist) {
		return func() {}, nil // nothing was ever loaded
	}
	if err != nil {
		return nil, fmt.Errorf("launchd model: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), how); err != nil {
		f.Close()
		return nil, fmt.Errorf("launchd model: %w", err)
	}
	return func() { f.Close() }, nil
}

func (m *Model) load() (*State, error) {
	st := &State{}
	switch {
	case m.StatePath == "" && m.mem != nil:
		st = m.mem
	case m.StatePath != "":
		b, err := os.ReadFile(m.StatePath)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("launchd model: %w", err)
		}
		if len(b) > 0 {
			if err := json.Unmarshal(b, st); err != nil {
				return nil, fmt.Errorf("launchd model %s: %w", m.StatePath, err)
			}
		}
	}
	if st.Jobs == nil {
		st.Jobs = map[string]*Job{}
	}
	if st.Disabled == nil {
		st.Disabled = map[string]bool{}
	}
	if st.Settling == nil {
		st.Settling = map[string]int64{}
	}
	return st, nil
}

func (m *Model) save(st *State) error {
	if m.StatePath == "" {
		m.mem = st
		return nil
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := renameio.WriteFile(m.StatePath, b, 0o644); err != nil {
		return fmt.Errorf("launchd model: %w", err)
	}
	return nil
}

// daemonPlist is what the model reads of a LaunchDaemon.
type daemonPlist struct {
	Label             string   `plist:"Label"`
	ProgramArguments  []string `plist:"ProgramArguments"`
	RunAtLoad         bool     `plist:"RunAtLoad"`
	KeepAlive         any      `plist:"KeepAlive"`
	StandardOutPath   string   `plist:"StandardOutPath"`
	StandardErrorPath string   `plist:"StandardErrorPath"`
}

func (d daemonPlist) keepAlive() bool {
	switch v := d.KeepAlive.(type) {
	case bool:
		return v
	case map[string]any:
		return len(v) > 0
	}
	return false
}

func (m *Model) host(p string) string { return filepath.Join(m.Root, filepath.FromSlash(p)) }

// apply performs one command; the output and exit code are launchctl's.
func (m *Model) apply(st *State, args []string) (string, int) {
	label := func(s string) (string, bool) { return strings.CutPrefix(s, "system/") }
	switch {
	case len(args) == 3 && args[0] == "bootstrap" && args[1] == "system":
		return m.bootstrap(st, args[2])
	case len(args) == 2 && args[0] == "bootout":
		l, ok := label(args[1])
		if !ok {
			break
		}
		if st.Jobs[l] == nil {
			return "Boot-out failed: 113: Could not find specified service", 113
		}
		delete(st.Jobs, l)
		if m.Settle > 0 {
			st.Settling[l] = st.Clock + m.Settle.Milliseconds()
		}
		return "", 0
	case len(args) == 2 && args[0] == "print":
		l, ok := label(args[1])
		if !ok {
			break
		}
		j := st.Jobs[l]
		if j == nil {
			return fmt.Sprintf("Could not find service \"%s\" in domain for system", l), 113
		}
		return printJob(l, j), 0
	case len(args) == 2 && (args[0] == "enable" || args[0] == "disable"):
		l, ok := label(args[1])
		if !ok {
			break
		}
		st.Disabled[l] = args[0] == "disable"
		return "", 0
	case len(args) == 2 && args[0] == "print-disabled" && args[1] == "system":
		names := make([]string, 0, len(st.Disabled))
		for l := range st.Disabled {
			names = append(names, l)
		}
		sort.Strings(names)
		var b strings.Builder
		b.WriteString("disabled services = {\n")
		for _, l := range names {
			v := "enabled"
			if st.Disabled[l] {
				v = "disabled"
			}
			fmt.Fprintf(&b, "\t%q => %s\n", l, v)
		}
		b.WriteString("}\n")
		return b.String(), 0
	case len(args) == 3 && args[0] == "kickstart" && args[1] == "-k":
		l, ok := label(args[2])
		if !ok {
			break
		}
		j := st.Jobs[l]
		if j == nil {
			return fmt.Sprintf("Could not find service \"%s\" in domain for system", l), 113
		}
		m.start(j, true)
		return "", 0
	}
	return "Unrecognized subcommand: " + strings.Join(args, " "), 64
}

func (m *Model) bootstrap(st *State, p string) (string, int) {
	fail := func(code int, msg string) (string, int) {
		return fmt.Sprintf("Bootstrap failed: %d: %s", code, msg), code
	}
	fi, err := os.Lstat(m.host(p))
	if err != nil {
		return fail(2, "No such file or directory")
	}
	sys, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || Refuses(sys.Uid, fi.Mode()) != "" {
		return fail(122, "Path had bad ownership/permissions")
	}
	data, err := os.ReadFile(m.host(p))
	if err != nil {
		return fail(5, "Input/output error")
	}
	var d daemonPlist
	if _, err := plist.Unmarshal(data, &d); err != nil || d.Label == "" {
		return fail(5, "Input/output error")
	}
	if st.Disabled[d.Label] {
		return fail(119, "Service is disabled")
	}
	if st.Jobs[d.Label] != nil || st.Clock < st.Settling[d.Label] {
		return fail(5, "Input/output error")
	}
	delete(st.Settling, d.Label)
	sum := sha256.Sum256(data)
	j := &Job{Path: p, SHA256: hex.EncodeToString(sum[:]), Args: d.ProgramArguments}
	st.Jobs[d.Label] = j
	if d.RunAtLoad || d.keepAlive() {
		m.startPlist(j, d)
	}
	return "", 0
}

// start (re)starts a loaded job from its plist on disk as loaded.
func (m *Model) start(j *Job, restart bool) {
	data, err := os.ReadFile(m.host(j.Path))
	var d daemonPlist
	if err == nil {
		_, err = plist.Unmarshal(data, &d)
	}
	if err != nil {
		code := 78
		j.Running, j.LastExit = false, &code
		return
	}
	if restart && j.Running {
		code := 0
		j.LastExit = &code // killed; launchd records the signal, 0 here
	}
	m.startPlist(j, d)
}

// startPlist runs the job: one whose log directory is missing never
// starts (EX_CONFIG); a KeepAlive job stays up, another one runs once and
// exits 0.
func (m *Model) startPlist(j *Job, d daemonPlist) {
	for _, lp := range []string{d.StandardOutPath, d.StandardErrorPath} {
		if lp == "" {
			continue
		}
		if fi, err := os.Stat(m.host(path.Dir(lp))); err != nil || !fi.IsDir() {
			code := 78
			j.Running, j.LastExit = false, &code
			return
		}
	}
	j.Runs++
	if d.keepAlive() {
		j.Running = true
		return
	}
	code := 0
	j.Running, j.LastExit = false, &code
}

func printJob(label string, j *Job) string {
	var b bytes.Buffer
	state := "not running"
	if j.Running {
		state = "running"
	}
	last := "(never exited)"
	if j.LastExit != nil {
		last = fmt.Sprint(*j.LastExit)
		if *j.LastExit == 78 {
			last += ": EX_CONFIG"
		}
	}
	fmt.Fprintf(&b, "system/%s = {\n\tactive count = %d\n\tpath = %s\n\tstate = %s\n\n\tprogram = %s\n\truns = %d\n\tlast exit code = %s\n}\n",
		label, boolInt(j.Running), j.Path, state, strings.Join(j.Args, " "), j.Runs, last)
	return b.String()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
