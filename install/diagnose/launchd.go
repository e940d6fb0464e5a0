package diagnose

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/macfleet/installer/install/launchd"
)

// boundedRunner asks launchd with a time limit. Once launchctl has failed
// to answer in time it is not asked again in this run: a wedged launchd
// would otherwise cost the limit once per job, and status asks too.
type boundedRunner struct {
	r       launchd.Runner
	timeout time.Duration
	hung    atomic.Bool
}

var errReadOnly = errors.New("diagnose changes nothing")

func (b *boundedRunner) Bootstrap(string) error { return errReadOnly }
func (b *boundedRunner) Bootout(string) error   { return errReadOnly }
func (b *boundedRunner) Enable(string) error    { return errReadOnly }
func (b *boundedRunner) Disable(string) error   { return errReadOnly }

// Rebootstrap implements launchd.Runner; diagnose changes nothing.
func (b *boundedRunner) Rebootstrap(string) error { return errReadOnly }
func (b *boundedRunner) Kickstart(string) error   { return errReadOnly }

// Disabled implements launchd.Runner; diagnose does not ask it.
func (b *boundedRunner) Disabled(string) (bool, error) { return false, errReadOnly }

// Print implements launchd.Runner.
func (b *boundedRunner) Print(label string) (string, error) {
	if b.hung.Load() {
		return "", timeoutError("launchctl did not answer earlier in this run; not asked again")
	}
	type answer struct {
		out string
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		out, err := b.r.Print(label)
		ch <- answer{out, err}
	}()
	t := time.NewTimer(b.timeout)
	defer t.Stop()
	select {
	case a := <-ch:
		return a.out, a.err
	case <-t.C:
		b.hung.Store(true)
		return "", timeoutError(fmt.Sprintf("launchctl print system/%s: no answer within %s", label, b.timeout))
	}
}

// timeoutError is a time limit that ran out, worded for people.
type timeoutError string

func (e timeoutError) Error() string        { return string(e) }
func (e timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }
