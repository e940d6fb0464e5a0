package install

import (
	"errors"
	"fmt"
)

// Kind classifies a failure; each kind is one exit code of docs/contract.md §10.
type Kind int

// The kinds, with their exit codes as values.
const (
	KindOK           Kind = 0
	KindFailed       Kind = 1
	KindUsage        Kind = 2
	KindNotRoot      Kind = 3
	KindBadUser      Kind = 4
	KindLocked       Kind = 5
	KindNoConsole    Kind = 6
	KindBusy         Kind = 7
	KindNoProduct    Kind = 8
	KindUnsafe       Kind = 9
	KindDrift        Kind = 10
	KindNotInstalled Kind = 11
)

// kindWords names each kind for --json's error.code; the one table of
// exit codes in the program.
var kindWords = map[Kind]string{
	KindOK:           "ok",
	KindFailed:       "failed",
	KindUsage:        "usage",
	KindNotRoot:      "not-root",
	KindBadUser:      "bad-user",
	KindLocked:       "locked-to-other-user",
	KindNoConsole:    "no-console-user",
	KindBusy:         "busy",
	KindNoProduct:    "no-product",
	KindUnsafe:       "unsafe",
	KindDrift:        "drift",
	KindNotInstalled: "not-installed",
}

// ExitCode is the process exit code of the kind.
func (k Kind) ExitCode() int { return int(k) }

// String is the kind's word.
func (k Kind) String() string {
	if w, ok := kindWords[k]; ok {
		return w
	}
	return fmt.Sprintf("kind-%d", int(k))
}

// Error is a failure with its kind.
type Error struct {
	Kind Kind
	Err  error
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an Error of the given kind; %w works as in fmt.Errorf.
func Errorf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Err: fmt.Errorf(format, args...)}
}

// KindOf returns the kind of err: KindOK for nil, KindFailed for errors
// that carry no kind.
func KindOf(err error) Kind {
	if err == nil {
		return KindOK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindFailed
}

// withKind gives err kind k unless it already carries one.
func withKind(k Kind, err error) error {
	var e *Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return &Error{Kind: k, Err: err}
}
