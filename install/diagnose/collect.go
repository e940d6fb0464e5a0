package diagnose

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"sync"
	"time"
)

// Defaults for a Source's zero Timeout and Limit.
const (
	DefaultTimeout = 5 * time.Second
	DefaultLimit   = 4 << 20
)

// Source is one thing the bundle collects.
type Source struct {
	// File is its name inside the bundle.
	File string
	// What says what it is, for people reading the manifest.
	What string
	// Timeout and Limit bound its time and size (zero: the defaults).
	// Past Limit the content is cut and the manifest says so.
	Timeout time.Duration
	Limit   int
	// Collect returns the content, and whether it cut it itself (a log
	// tail). An error, a panic or the timeout puts the source in the
	// manifest's notCollected list with the reason; a *Skip says why it
	// does not apply here.
	Collect func(ctx context.Context) (data []byte, truncated bool, err error)
}

// Skip is the error of a source that does not apply (an offline root has
// no launchd to ask) or needs what the caller lacks (root).
type Skip struct {
	Kind   string // "not-applicable", "needs-root", "not-installed"
	Reason string
}

func (s *Skip) Error() string { return s.Reason }

// File is one collected file.
type File struct {
	Name string
	Data []byte
}

// FileEntry describes a file in the manifest.
type FileEntry struct {
	Name       string `json:"name"`
	Source     string `json:"source"`
	Size       int    `json:"size"`
	SHA256     string `json:"sha256"`
	Truncated  bool   `json:"truncated,omitempty"`
	Redactions int    `json:"redactions,omitempty"`
	ElapsedMS  int64  `json:"elapsedMs"`
}

// Missing is a source that could not be collected, and why.
type Missing struct {
	Name   string `json:"name"`
	Source string `json:"source"`
	// Kind is a word for machines: missing, denied, timeout, failed,
	// needs-root, not-applicable, not-installed.
	Kind      string `json:"kind"`
	Reason    string `json:"reason"`
	ElapsedMS int64  `json:"elapsedMs"`
}

// result is what one source gave.
type result struct {
	data      []byte
	truncated bool
	err       error
	elapsed   time.Duration
}

// collect runs every source at once, each within its own time limit, and
// returns their results in order. A source that overruns is abandoned:
// its goroutine may linger until the process exits, but the run does not
// wait for it, so the whole run takes as long as the slowest limit.
func collect(ctx context.Context, sources []*Source) []result {
	out := make([]result, len(sources))
	var wg sync.WaitGroup
	for i, src := range sources {
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i] = runSource(ctx, src)
		}()
	}
	wg.Wait()
	return out
}

func runSource(ctx context.Context, src *Source) result {
	timeout := src.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	limit := src.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("collecting it failed: %v", p)}
			}
		}()
		data, truncated, err := src.Collect(ctx)
		done <- result{data: data, err: err, truncated: truncated}
	}()
	var r result
	select {
	case r = <-done:
		if r.err == nil && ctx.Err() != nil {
			r = result{err: ctx.Err()}
		}
	case <-ctx.Done():
		r = result{err: timeoutError(fmt.Sprintf("no answer within %s", timeout))}
	}
	if r.err == nil && len(r.data) > limit {
		r.data, r.truncated = r.data[:limit], true
	}
	r.elapsed = time.Since(start)
	return r
}

// kindOf classifies why a source could not be collected.
func kindOf(err error) string {
	var skip *Skip
	switch {
	case errors.As(err, &skip):
		return skip.Kind
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, fs.ErrNotExist):
		return "missing"
	case errors.Is(err, fs.ErrPermission):
		return "denied"
	}
	return "failed"
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}
