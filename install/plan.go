package install

import (
	"errors"
	"fmt"
	"strings"
)

// Op is one privileged operation of a plan: what `plan` lists and what
// apply performs. Do and Undo are filled by the step that planned the op;
// Undo puts back exactly what Do changed.
type Op struct {
	Step   string `json:"step"`
	Action string `json:"action"` // mkdir, link, relink, unlink, write, edit, remove, rmdir, chown, bootout, bootstrap
	Path   string `json:"path"`
	Target string `json:"target,omitempty"`
	Owner  string `json:"owner,omitempty"` // "root:wheel", "alice:staff", "uid 501:gid 20"
	Mode   string `json:"mode,omitempty"`
	Detail string `json:"detail,omitempty"`

	Do   func() error `json:"-"`
	Undo func() error `json:"-"`
	// Commit, if set, runs once every op of the run has succeeded: it
	// drops what only Undo needed (the hard link keeping the old hosts
	// file). If it fails, the run is undone as when an op fails, so its
	// op's Undo must still work after a failed Commit.
	Commit func() error `json:"-"`
}

// String renders the op for `plan` and the log: action, path, and what it
// will be.
func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%-8s %s", o.Action, o.Path)
	if o.Target != "" {
		fmt.Fprintf(&b, " -> %s", o.Target)
	}
	if o.Owner != "" {
		fmt.Fprintf(&b, "  %s", o.Owner)
	}
	if o.Mode != "" {
		fmt.Fprintf(&b, " %s", o.Mode)
	}
	if o.Detail != "" {
		fmt.Fprintf(&b, "  (%s)", o.Detail)
	}
	return b.String()
}

// StepError names the step and operation that failed.
type StepError struct {
	Op  Op
	Err error
	// UndoErrs are failures while rolling back; empty means the machine
	// is as it was before the run.
	UndoErrs []error
}

func (e *StepError) Error() string {
	msg := fmt.Sprintf("step %s failed: %s %s: %v", e.Op.Step, e.Op.Action, e.Op.Path, e.Err)
	if len(e.UndoErrs) == 0 {
		return msg + "; all changes of this run were undone"
	}
	parts := make([]string, len(e.UndoErrs))
	for i, u := range e.UndoErrs {
		parts[i] = u.Error()
	}
	return msg + "; undo also failed: " + strings.Join(parts, "; ")
}

func (e *StepError) Unwrap() error { return e.Err }

// apply performs ops in order. When one fails, or stop is closed before
// one starts, the ops already done are undone in reverse order and a
// *StepError (or the interruption) is returned. before, if set, runs at
// each boundary (Env.BeforeOp).
func apply(ops []Op, done func(Op), stop <-chan struct{}, before func(i, n int)) error {
	undo := func(se *StepError, n int) error {
		for j := n - 1; j >= 0; j-- {
			if ops[j].Undo == nil {
				continue
			}
			if uerr := ops[j].Undo(); uerr != nil {
				se.UndoErrs = append(se.UndoErrs, fmt.Errorf("undo %s %s: %w", ops[j].Action, ops[j].Path, uerr))
			}
		}
		if errors.Is(se.Err, ErrInterrupted) {
			return interruptedError(se.UndoErrs)
		}
		return se
	}
	for i, op := range ops {
		if before != nil {
			before(i, len(ops))
		}
		err := stopped(stop)
		if err == nil {
			err = op.Do()
		}
		if err != nil {
			return undo(&StepError{Op: op, Err: err}, i)
		}
		if done != nil {
			done(op)
		}
	}
	if before != nil {
		before(len(ops), len(ops))
	}
	for _, op := range ops {
		if op.Commit != nil {
			if err := op.Commit(); err != nil {
				return undo(&StepError{Op: op, Err: err}, len(ops))
			}
		}
	}
	return nil
}

// ErrInterrupted is a run stopped by SIGINT or SIGTERM (Env.Stop).
var ErrInterrupted = errors.New("interrupted")

func stopped(stop <-chan struct{}) error {
	select {
	case <-stop:
		return ErrInterrupted
	default:
		return nil
	}
}

func interruptedError(undoErrs []error) error {
	if len(undoErrs) == 0 {
		return fmt.Errorf("%w; nothing changed", ErrInterrupted)
	}
	return fmt.Errorf("%w; undo incomplete: %w", ErrInterrupted, errors.Join(undoErrs...))
}

// applyUnlessDry performs a planned run, or, for a dry run, only returns
// its plan.
func applyUnlessDry(env *Env, res *Result, dry bool) (*Result, error) {
	if dry {
		return res, nil
	}
	if err := apply(res.Ops, env.logOp, env.Stop, env.BeforeOp); err != nil {
		return nil, Errorf(KindFailed, "%w", err)
	}
	res.afterApply()
	return res, nil
}
