// This code runs as root inside vmnetd: it keeps what strangers and
// misbehaving clients can make vmnetd write to its root-owned log bounded.

package helper

import (
	"sort"
	"sync"
	"time"

	"go.uber.org/zap"
)

// summaryEvery is the longest a uid's refusals are held before their
// summary line is written; no uid gets more than one line per period.
const summaryEvery = time.Second

// refusalLog counts refusals per uid and writes at most one summary line
// per uid per summaryEvery: the first refusal after a quiet period is
// written at once, the ones that follow within the period are counted and
// written as one line when it ends.
type refusalLog struct {
	log   *zap.Logger
	msg   string // the summary line's message
	now   func() time.Time
	after func(time.Duration, func()) // time.AfterFunc; a fake in tests

	mu   sync.Mutex
	uids map[int]*uidRefusals
}

type uidRefusals struct {
	last    time.Time      // when the last line for this uid was written
	pending map[string]int // reason → count not yet written
	armed   bool           // a flush is scheduled
	total   uint64         // all refusals of this uid since start
}

func newRefusalLog(log *zap.Logger) *refusalLog { return newSummaryLog(log, "refused connections") }

// newSummaryLog is a refusalLog whose lines read msg (vmnetd also
// summarises its successful binds this way: a client binding in a loop
// must not fill the log either).
func newSummaryLog(log *zap.Logger, msg string) *refusalLog {
	return &refusalLog{log: log, msg: msg, now: time.Now,
		after: func(d time.Duration, f func()) { time.AfterFunc(d, f) },
		uids:  map[int]*uidRefusals{}}
}

// refuse counts one refusal of uid for reason (a short fixed phrase: it
// is a map key, so never put addresses or other client data in it).
func (r *refusalLog) refuse(uid int, reason string) {
	r.mu.Lock()
	u := r.uids[uid]
	if u == nil {
		u = &uidRefusals{pending: map[string]int{}}
		r.uids[uid] = u
	}
	u.total++
	u.pending[reason]++
	now := r.now()
	if !u.armed && now.Sub(u.last) >= summaryEvery {
		r.writeLocked(uid, u, now)
		r.mu.Unlock()
		return
	}
	if !u.armed {
		u.armed = true
		r.after(summaryEvery-now.Sub(u.last), func() { r.flush(uid) })
	}
	r.mu.Unlock()
}

func (r *refusalLog) flush(uid int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	u := r.uids[uid]
	if u == nil {
		return
	}
	u.armed = false
	if len(u.pending) > 0 {
		r.writeLocked(uid, u, r.now())
	}
}

// writeLocked writes uid's summary line and empties its pending counts.
func (r *refusalLog) writeLocked(uid int, u *uidRefusals, now time.Time) {
	reasons := make([]string, 0, len(u.pending))
	n := 0
	for k, v := range u.pending {
		reasons = append(reasons, k)
		n += v
	}
	sort.Strings(reasons)
	counts := make(map[string]int, len(u.pending))
	for _, k := range reasons {
		counts[k] = u.pending[k]
	}
	lvl := r.log.Warn
	if r.msg == "bound" {
		lvl = r.log.Info
	}
	lvl(r.msg, zap.Int("uid", uid), zap.Int("count", n),
		zap.Any("reasons", counts), zap.Uint64("total", u.total))
	clear(u.pending)
	u.last = now
}

// total is how many refusals of uid were counted since start.
func (r *refusalLog) total(uid int) uint64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	if u := r.uids[uid]; u != nil {
		return u.total
	}
	return 0
}
