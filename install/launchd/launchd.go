// Package launchd runs launchctl for live installs. Offline installs never
// contact launchd (jobs start at the image's next boot); tests use the
// Recorder.
package launchd

import (
	"fmt"
	"io"
	"strings"
	"sync"
)

// Runner is the part of launchctl the installer uses, always in the system
// domain.
type Runner interface {
	// Bootstrap loads the LaunchDaemon plist at path (a live path).
	Bootstrap(plistPath string) error
	// Bootout unloads the job; a job that is not loaded is not an error.
	Bootout(label string) error
	// Print describes the job, or returns ErrNotLoaded.
	Print(label string) (string, error)
}

// The launchctl argument vectors, shared by the live runner and the
// recorder so that what tests see is what the Mac runs.
func bootstrapArgs(plistPath string) []string { return []string{"bootstrap", "system", plistPath} }
func bootoutArgs(label string) []string       { return []string{"bootout", "system/" + label} }
func printArgs(label string) []string         { return []string{"print", "system/" + label} }

// ErrNotLoaded is returned by Print for a job launchd does not know.
var ErrNotLoaded = fmt.Errorf("job not loaded")

// Recorder is a Runner that records each call as a launchctl command line
// and keeps a set of loaded jobs, for tests and offline dry runs.
type Recorder struct {
	mu     sync.Mutex
	Out    io.Writer // each call is written here as one line, if set
	Calls  []string
	Loaded map[string]bool
}

func (r *Recorder) record(args []string) {
	line := "launchctl " + strings.Join(args, " ")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.Calls = append(r.Calls, line)
	if r.Out != nil {
		fmt.Fprintln(r.Out, line)
	}
}

// Bootstrap implements Runner; the label is the plist's file name.
func (r *Recorder) Bootstrap(plistPath string) error {
	r.record(bootstrapArgs(plistPath))
	label := plistPath[strings.LastIndex(plistPath, "/")+1:]
	label = strings.TrimSuffix(label, ".plist")
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.Loaded == nil {
		r.Loaded = map[string]bool{}
	}
	r.Loaded[label] = true
	return nil
}

// Bootout implements Runner.
func (r *Recorder) Bootout(label string) error {
	r.record(bootoutArgs(label))
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.Loaded, label)
	return nil
}

// Print implements Runner.
func (r *Recorder) Print(label string) (string, error) {
	r.record(printArgs(label))
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.Loaded[label] {
		return "", ErrNotLoaded
	}
	return "system/" + label + " = { state = running }", nil
}
