package scanner

import (
	"sync"

	"github.com/scour-dev/scour/internal/argon2id"
)

// fingerprintWarmer computes the slow fingerprints of a run's findings
// while the scan goes on, into the run's FingerprintCache, so that
// result() finds them there. Computed at the end instead, they were a
// tail of 0.2-0.4 s on one core of a whole-history scan (terraform: 24
// argon2id runs) with the other core idle (docs/performance.md, "The
// tail").
//
// It runs on one goroutine, started with the first low-entropy finding:
// argon2 runs side by side fault in their 8 MiB together (see
// parallelFingerprints). A finding's secret is only queued, never
// computed, under the collector's lock.
type fingerprintWarmer struct {
	fc *FingerprintCache

	mu      sync.Mutex
	queue   []string
	queued  map[string]bool
	started bool
	closed  bool
	wake    chan struct{} // a send means the queue may have grown
	stop    chan struct{} // closed by close
	done    chan struct{} // closed when the goroutine returns
}

// maxWarmed bounds the secrets one run queues: past it, result() computes
// the rest. It stays well inside the cache, which starts over when full.
const maxWarmed = maxCachedFingerprints / 4

func newFingerprintWarmer(fc *FingerprintCache) *fingerprintWarmer {
	return &fingerprintWarmer{
		fc:     fc,
		queued: map[string]bool{},
		wake:   make(chan struct{}, 1),
		stop:   make(chan struct{}),
		done:   make(chan struct{}),
	}
}

// add queues secret if its fingerprint is slow and not cached.
func (w *fingerprintWarmer) add(secret string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || w.queued[secret] || len(w.queued) >= maxWarmed || !LowEntropy(secret) {
		return
	}
	w.queued[secret] = true
	w.queue = append(w.queue, secret)
	if !w.started {
		w.started = true
		go w.run()
	}
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

func (w *fingerprintWarmer) run() {
	defer close(w.done)
	var h argon2id.Hasher // one 8 MiB for every fingerprint of the run
	for {
		w.mu.Lock()
		if len(w.queue) == 0 {
			w.mu.Unlock()
			select {
			case <-w.wake:
				continue
			case <-w.stop:
				return
			}
		}
		s := w.queue[0]
		w.queue = w.queue[1:]
		w.mu.Unlock()
		select {
		case <-w.stop:
			return
		default:
		}
		w.fc.fingerprintsWith(&h, []string{s}) // computes it into the cache
	}
}

// close stops the goroutine, waiting for the fingerprint it is computing
// (some milliseconds); the queue left over is result()'s to compute.
func (w *fingerprintWarmer) close() {
	w.mu.Lock()
	started, closed := w.started, w.closed
	w.closed = true
	w.mu.Unlock()
	if closed {
		return
	}
	close(w.stop)
	if started {
		<-w.done
	}
}
