// This code runs as root inside vmnetd: it decides, right after accept(2),
// which connections are kept, so that nobody can starve the others.

package helper

import (
	"net"
	"sync"
	"time"
)

// Admission limits (docs/contract.md §8: stalled connections count against their
// own uid only).
const (
	// DefaultMaxConns is the soft limit of connections one uid holds open
	// at once. Past it, a new connection of that uid closes the uid's
	// oldest connection that has been open longer than stallGrace.
	DefaultMaxConns = 64
	// hardFactor × MaxConns is the hard limit per uid: past it, and with
	// nothing old enough to evict, the new connection itself is closed.
	hardFactor = 4
	// stallGrace is how long a connection may wait for its request
	// before a newer one of the same uid may take its place.
	stallGrace = 250 * time.Millisecond
)

// connEntry is one admitted connection.
type connEntry struct {
	c        *net.UnixConn
	uid      int
	accepted time.Time
	long     bool // a trace: served for a long time on purpose, never evicted
}

// admission tracks the open connections of each uid. Its zero value is
// not usable; see newAdmission.
type admission struct {
	soft, hard int
	now        func() time.Time

	mu    sync.Mutex
	byUID map[int][]*connEntry // in accept order
	all   map[*connEntry]struct{}
}

func newAdmission(soft int) *admission {
	return &admission{soft: soft, hard: hardFactor * soft, now: time.Now,
		byUID: map[int][]*connEntry{}, all: map[*connEntry]struct{}{}}
}

// admitResult says what admit did besides admitting.
type admitResult struct {
	entry   *connEntry      // nil: refused, the caller closes c
	evicted []*net.UnixConn // closed by the caller, outside the lock
}

// admit registers c for uid, evicting the uid's oldest stalled connection
// when the uid is at its soft limit. Connections of other uids are never
// touched.
func (a *admission) admit(c *net.UnixConn, uid int) admitResult {
	a.mu.Lock()
	defer a.mu.Unlock()
	now := a.now()
	var res admitResult
	list := a.byUID[uid]
	if len(list) >= a.soft {
		for i, e := range list {
			if e.long || now.Sub(e.accepted) < stallGrace {
				continue
			}
			res.evicted = append(res.evicted, e.c)
			delete(a.all, e)
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) >= a.hard {
		a.byUID[uid] = list
		return res
	}
	e := &connEntry{c: c, uid: uid, accepted: now}
	a.byUID[uid] = append(list, e)
	a.all[e] = struct{}{}
	res.entry = e
	return res
}

// release forgets e (its handler is done); a no-op for an evicted entry.
func (a *admission) release(e *connEntry) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, ok := a.all[e]; !ok {
		return
	}
	delete(a.all, e)
	list := a.byUID[e.uid]
	for i, x := range list {
		if x == e {
			list = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(list) == 0 {
		delete(a.byUID, e.uid)
	} else {
		a.byUID[e.uid] = list
	}
}

// markLong exempts e from eviction (a trace, which runs for seconds).
func (a *admission) markLong(e *connEntry) {
	a.mu.Lock()
	e.long = true
	a.mu.Unlock()
}

// open returns the connections still admitted, for shutdown.
func (a *admission) open() []*net.UnixConn {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]*net.UnixConn, 0, len(a.all))
	for e := range a.all {
		out = append(out, e.c)
	}
	return out
}

// count is how many connections uid holds (for tests and the benchmark).
func (a *admission) count(uid int) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.byUID[uid])
}
