//go:build !darwin

package helper

import "context"

// PlatformTrace explains why there is no trace here: spindump is macOS's.
// Tests inject their own TraceFunc (Config.Trace) to exercise the rest.
func PlatformTrace(string) TraceFunc {
	return func(context.Context, string, int) error { return ErrTraceUnsupported }
}
