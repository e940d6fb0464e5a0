package app

import (
	"bytes"
	"context"
	"sync"
	"testing"
)

// TestMainConcurrent runs the CLI several times at once in one process,
// as the parallel tests do: under -race, a write to shared flag state
// (urfave's --help and --version) fails it.
func TestMainConcurrent(t *testing.T) {
	t.Parallel()
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		root := newRoot(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			var out, errb bytes.Buffer
			deps := testDeps()
			deps.Stdout, deps.Stderr = &out, &errb
			if code := Main(context.Background(), []string{"installer", "plan", "--user=alice", "--root=" + root}, deps); code != 0 {
				t.Errorf("plan: exit %d: %s", code, errb.String())
			}
			out.Reset()
			if code := Main(context.Background(), []string{"installer", "plan", "--help"}, deps); code != 0 || !bytes.Contains(out.Bytes(), []byte("--help, -h")) {
				t.Errorf("plan --help: exit %d: %s", code, out.String())
			}
		}()
	}
	wg.Wait()
}
