package provider

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/sourcegraph/conc/panics"
	"github.com/sourcegraph/conc/pool"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// Lookup finds a rule by id (e.g. (*rules.Set).Rule).
type Lookup func(id string) *rules.Rule

// VerifyAll verifies every distinct secret among findings once and returns
// one Status per fingerprint, in the order fingerprints first appear. A
// secret whose findings come from rules of more than one provider is not
// sent anywhere (unknown); a finding whose secret was redacted in the
// report is unknown too. Once ctx is done no further secret is started:
// those not started are unknown ("not checked: interrupted").
func (e *Engine) VerifyAll(ctx context.Context, lookup Lookup, findings []scanner.Finding) []Status {
	groups, order := groupByFingerprint(findings)
	out := make([]Status, len(order))
	e.each(ctx, len(order), func(i int) {
		out[i] = e.verifyGroup(ctx, lookup, groups[order[i]])
	}, func(i int, why string) {
		f := groups[order[i]][0]
		out[i] = Status{Fingerprint: f.Fingerprint, RuleID: f.RuleID, Provider: f.Provider, State: Unknown,
			Reason: why, CheckedAt: e.opts.Now().UTC()}
	})
	return out
}

// each runs work(0..n-1) on a bounded conc pool (Options.Concurrency). It
// launches nothing once ctx is done; skipped(i, reason) stands in for
// each index not run, and for one whose work panicked (a bug must not
// kill a run that has revoked half the secrets: the rest are reported).
// Options.Progress hears of each index done.
func (e *Engine) each(ctx context.Context, n int, work func(i int), skipped func(i int, why string)) {
	p := pool.New().WithMaxGoroutines(e.opts.Concurrency)
	var mu sync.Mutex
	done := 0
	for i := range n {
		if ctx.Err() != nil {
			skipped(i, "not checked: interrupted")
			continue
		}
		p.Go(func() {
			// Checked again here: Go may have waited for a free worker.
			if ctx.Err() != nil {
				skipped(i, "not checked: interrupted")
				return
			}
			var pc panics.Catcher
			pc.Try(func() { work(i) })
			if r := pc.Recovered(); r != nil {
				skipped(i, "not checked: internal error (a bug in scour; please report it)")
			}
			if e.opts.Progress != nil {
				mu.Lock()
				done++
				d := done
				mu.Unlock()
				e.opts.Progress(d, n)
			}
		})
	}
	p.Wait()
	if e.opts.Progress != nil && done < n { // some were skipped: say it is over
		e.opts.Progress(n, n)
	}
}

func groupByFingerprint(findings []scanner.Finding) (map[string][]scanner.Finding, []string) {
	groups := map[string][]scanner.Finding{}
	var order []string
	for _, f := range findings {
		if _, ok := groups[f.Fingerprint]; !ok {
			order = append(order, f.Fingerprint)
		}
		groups[f.Fingerprint] = append(groups[f.Fingerprint], f)
	}
	return groups, order
}

// refusal says why a group of findings of one secret must not be sent to
// any vendor, or "".
func refusal(fs []scanner.Finding) string {
	provs := map[string]bool{}
	for _, f := range fs {
		provs[f.Provider] = true
	}
	if len(provs) > 1 {
		names := sortedKeys(provs)
		return "claimed by rules of several providers (" + strings.Join(names, ", ") + "); not sent to any of them"
	}
	f := fs[0]
	if f.Secret == "" || !scanner.FingerprintMatches(f.Secret, f.Fingerprint) {
		return "the report does not contain this secret (redacted?); write the report with --show-secrets"
	}
	return ""
}

// pickRule returns the first finding (by rule id) whose rule can verify.
func pickRule(lookup Lookup, fs []scanner.Finding, want func(*rules.Rule) bool) (*rules.Rule, scanner.Finding) {
	sorted := append([]scanner.Finding(nil), fs...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].RuleID < sorted[j].RuleID })
	for _, f := range sorted {
		if r := lookup(f.RuleID); r != nil && want(r) {
			return r, f
		}
	}
	return nil, sorted[0]
}

func (e *Engine) verifyGroup(ctx context.Context, lookup Lookup, fs []scanner.Finding) Status {
	f := fs[0]
	st := Status{Fingerprint: f.Fingerprint, RuleID: f.RuleID, Provider: f.Provider, State: Unknown, CheckedAt: e.opts.Now().UTC()}
	if why := refusal(fs); why != "" {
		st.Reason = why
		return st
	}
	r, f := pickRule(lookup, fs, func(r *rules.Rule) bool { return r.Verify != nil })
	if r == nil {
		st.Reason = "no verification is defined for this rule"
		return st
	}
	return e.Verify(ctx, r, f)
}

// Verify checks one finding with its rule, trying candidate base URLs in
// order while the answer is "wrong host". Results are cached per
// fingerprint, rule and host for the engine's lifetime.
func (e *Engine) Verify(ctx context.Context, r *rules.Rule, f scanner.Finding) Status {
	return e.verify(ctx, r, f, true)
}

func (e *Engine) verify(ctx context.Context, r *rules.Rule, f scanner.Finding, cached bool) Status {
	st := Status{Fingerprint: f.Fingerprint, RuleID: r.ID, Provider: r.Provider, State: Unknown, CheckedAt: e.opts.Now().UTC()}
	if r.Verify == nil {
		st.Reason = "no verification is defined for this rule"
		return st
	}
	if f.Secret == "" || !scanner.FingerprintMatches(f.Secret, f.Fingerprint) {
		st.Reason = "the report does not contain this secret (redacted?); write the report with --show-secrets"
		return st
	}
	if why := r.Verify.OptIn; why != "" && !e.opts.OptIn[r.Provider] && !e.opts.OptIn[r.ID] {
		st.Reason = "not verified without opt-in (" + why + "); use --opt-in " + r.Provider
		return st
	}
	if miss := missing(r.Verify.Requires, f.Context); miss != "" {
		st.Reason = "cannot verify: the finding's context has no " + miss
		return st
	}
	bases, err := e.candidates(r.Provider, r.Verify, f.Context)
	if err != nil {
		st.Reason = err.Error()
		return st
	}
	var reasons []string
	for _, base := range bases {
		key := f.Fingerprint + "\x00" + r.ID + "\x00" + base.String()
		var a attempt
		if cached {
			a = e.cached(key, func() attempt { return e.verifyAt(ctx, r, f, base) })
		} else {
			a = e.verifyAt(ctx, r, f, base)
		}
		st.Host, st.HTTPStatus, st.Owner = a.Host, a.Status, a.Owner
		switch a.Result {
		case rules.ResultLive:
			st.State, st.Reason = Live, a.Reason
			return st
		case rules.ResultLiveLimited:
			st.State, st.Reason = LiveLimited, a.Reason
			return st
		case rules.ResultDead:
			st.State, st.Reason = Dead, a.Reason
			return st
		case rules.ResultWrongHost:
			reasons = append(reasons, fmt.Sprintf("%s: wrong host (HTTP %d)", a.Host, a.Status))
			continue
		default:
			st.State, st.Reason = Unknown, a.Reason
			if st.Reason == "" {
				st.Reason = "the vendor's answer does not say"
			}
			return st
		}
	}
	st.State = Unknown
	st.Reason = strings.Join(reasons, "; ") + "; no other host to try"
	return st
}

func (e *Engine) verifyAt(ctx context.Context, r *rules.Rule, f scanner.Finding, base *url.URL) attempt {
	if name := r.Verify.Coded; name != "" {
		c := e.opts.Coded[name]
		if c == nil {
			return attempt{Result: rules.ResultUnknown, Host: base.Host, Reason: fmt.Sprintf("coded provider %q is not available in this build", name)}
		}
		st, err := c.Verify(ctx, doer{t: e.t, allowed: base}, e.target(r, f, base))
		if err != nil {
			return attempt{Result: rules.ResultUnknown, Host: base.Host, Status: st.HTTPStatus, Reason: scrub(err.Error(), map[string]string{"secret": f.Secret})}
		}
		res := string(st.State)
		if st.State == Unknown || st.State == "" {
			res = rules.ResultUnknown
		}
		return attempt{Result: res, Host: base.Host, Status: st.HTTPStatus, Owner: st.Owner, Reason: scrub(st.Reason, map[string]string{"secret": f.Secret})}
	}
	// Verification is side-effect free by design (probes that are not
	// need opt_in): any request may be retried.
	return e.run(ctx, r.Verify, base, findingVars(r, f), sendOpts{})
}

// findingVars are the template variables a finding provides: the secret
// and the rule's other named groups ("" when an optional group did not
// match).
func findingVars(r *rules.Rule, f scanner.Finding) map[string]string {
	vars := map[string]string{}
	for _, g := range r.GroupNames() {
		vars[g] = f.Context[g]
	}
	vars["secret"] = f.Secret
	return vars
}

// missing returns the first required context group that is empty.
func missing(req []string, ctx map[string]string) string {
	for _, g := range req {
		if ctx[g] == "" {
			return g
		}
	}
	return ""
}

func (e *Engine) target(r *rules.Rule, f scanner.Finding, base *url.URL) Target {
	return Target{Rule: r, Secret: f.Secret, Fingerprint: f.Fingerprint, Context: f.Context, BaseURL: base, Getenv: e.opts.Getenv}
}

// cached runs fn once per key (concurrent callers wait for the first).
func (e *Engine) cached(key string, fn func() attempt) attempt {
	e.mu.Lock()
	if c, ok := e.cache[key]; ok {
		e.mu.Unlock()
		<-c.done
		return c.res
	}
	c := &cacheEntry{done: make(chan struct{})}
	e.cache[key] = c
	e.mu.Unlock()
	c.res = fn()
	close(c.done)
	return c.res
}
