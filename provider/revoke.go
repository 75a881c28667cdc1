package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/scour-dev/scour/rules"
	"github.com/scour-dev/scour/scanner"
)

// PlanItem is one secret revoke would act on.
type PlanItem struct {
	Finding scanner.Finding
	Rule    *rules.Rule // nil when no rule of the finding can revoke
	Class   string      // the rule's revocation class, or "none"
	Kind    string      // auto, admin or manual
	// Refusal, when set, says why scour will not send this secret anywhere.
	Refusal string
}

// Plan lists what revoke would do for each distinct secret, in the order
// fingerprints first appear. select, if non-nil, keeps only the findings it
// accepts (--rule, --fingerprint).
func Plan(lookup Lookup, findings []scanner.Finding, keep func(scanner.Finding) bool) []PlanItem {
	var kept []scanner.Finding
	for _, f := range findings {
		if keep == nil || keep(f) {
			kept = append(kept, f)
		}
	}
	groups, order := groupByFingerprint(kept)
	var plan []PlanItem
	for _, fp := range order {
		fs := groups[fp]
		r, f := pickRule(lookup, fs, func(r *rules.Rule) bool { return r.Revoke != nil })
		it := PlanItem{Finding: f, Rule: r, Class: rules.ClassNone, Kind: "manual"}
		if r != nil {
			it.Class, it.Kind = r.Revoke.Class, r.RevokeKind()
		}
		it.Refusal = refusal(fs)
		plan = append(plan, it)
	}
	return plan
}

// RevokeOptions tunes one Revoke call.
type RevokeOptions struct {
	// Delete asks coded providers to delete rather than disable (Alibaba).
	Delete bool
	// RevokedBefore reports whether an earlier run's audit log shows this
	// fingerprint revoked; a dead token then counts as already revoked
	// rather than skipped.
	RevokedBefore func(fingerprint string) bool
	// Audit receives one record per action; nil records nothing. An audit
	// error stops the run: nothing is done that cannot be recorded.
	Audit func(Result) error
}

// Revoke carries out the plan: for each secret it first verifies (a dead
// token is skipped, or already revoked if an earlier run revoked it), then
// revokes by the rule's class, re-verifies, and reports. Manual classes
// give instructions. Batched public revokes (GitHub) send up to the rule's
// batch size per request.
func (e *Engine) Revoke(ctx context.Context, plan []PlanItem, opts RevokeOptions) ([]Result, error) {
	out := make([]Result, len(plan))
	type pending struct {
		idx  int
		base *url.URL
		res  Result // prepared; out[idx] is set only once the batch is sent
	}
	batches := map[string][]pending{} // batchKey -> items
	var batchKeys []string
	// The checks before acting (verification, mostly) run concurrently;
	// the revocations themselves go one at a time, in plan order.
	type prepared struct {
		res   Result
		base  *url.URL
		ready bool
	}
	preps := make([]prepared, len(plan))
	e.each(ctx, len(plan), func(i int) {
		p := &preps[i]
		p.res, p.base, p.ready = e.prepare(ctx, plan[i], opts)
	}, func(i int, why string) {
		f := plan[i].Finding
		preps[i] = prepared{ready: true, res: Result{Fingerprint: f.Fingerprint, RuleID: f.RuleID,
			Provider: f.Provider, Class: plan[i].Class, Outcome: Failed, Reason: strings.Replace(why, "checked", "revoked", 1)}}
	})
	// Interrupted before acting: nothing more is sent, and what was not
	// done is not recorded as if it had been tried.
	if err := ctx.Err(); err != nil {
		return out, err
	}
	for i, it := range plan {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		res, base, ready := preps[i].res, preps[i].base, preps[i].ready
		if ready {
			out[i] = res
			if err := audit(opts, res); err != nil {
				return out[:i+1], err
			}
			continue
		}
		if it.Rule.Revoke.Batch > 0 {
			k := batchKey(it.Rule, base)
			if _, ok := batches[k]; !ok {
				batchKeys = append(batchKeys, k)
			}
			batches[k] = append(batches[k], pending{i, base, res})
			continue
		}
		out[i] = e.revokeOne(ctx, it, base, res, opts)
		if err := audit(opts, out[i]); err != nil {
			return out[:i+1], err
		}
	}
	for _, k := range batchKeys {
		ps := batches[k]
		r := plan[ps[0].idx].Rule
		base := ps[0].base
		for start := 0; start < len(ps); start += r.Revoke.Batch {
			if err := ctx.Err(); err != nil {
				return out, err
			}
			chunk := ps[start:min(start+r.Revoke.Batch, len(ps))]
			secrets := make([]string, len(chunk))
			for j, p := range chunk {
				secrets[j] = plan[p.idx].Finding.Secret
			}
			arr, _ := json.Marshal(secrets)
			vars := map[string]string{"secret": secrets[0], "secrets_json": string(arr)}
			a := e.sendRevoke(ctx, r, base, vars)
			for _, p := range chunk {
				out[p.idx] = e.finish(ctx, plan[p.idx], p.res, a)
				if err := audit(opts, out[p.idx]); err != nil {
					return out, err
				}
			}
		}
	}
	return out, nil
}

func audit(opts RevokeOptions, r Result) error {
	if opts.Audit == nil {
		return nil
	}
	return opts.Audit(r)
}

// prepare decides everything short of the revoke request. ready means res
// is final; otherwise base is where the revoke goes.
func (e *Engine) prepare(ctx context.Context, it PlanItem, opts RevokeOptions) (res Result, base *url.URL, ready bool) {
	f := it.Finding
	res = Result{Fingerprint: f.Fingerprint, RuleID: f.RuleID, Provider: f.Provider, Class: it.Class}
	if it.Refusal != "" {
		res.Outcome, res.Reason = Refused, it.Refusal
		return res, nil, true
	}
	r := it.Rule
	if r == nil {
		res.Outcome, res.Reason = Manual, "no revocation is known for this rule; rotate the credential in the vendor's console"
		return res, nil, true
	}
	res.RuleID = r.ID
	rv := r.Revoke

	// Verify first: skip dead tokens, and learn the owner for manual steps.
	var st Status
	if r.Verify != nil {
		st = e.verify(ctx, r, f, true)
		res.Owner, res.Host, res.HTTPStatus = st.Owner, st.Host, st.HTTPStatus
		if st.State == Dead {
			// An audit log written before argon2id fingerprints names a
			// low-entropy secret by its SHA-256 (scanner.LegacyFingerprint).
			if opts.RevokedBefore != nil && (opts.RevokedBefore(f.Fingerprint) || opts.RevokedBefore(scanner.LegacyFingerprint(f.Secret))) {
				res.Outcome, res.Reason = AlreadyRevoked, "already revoked (an earlier scour run revoked it; the vendor now rejects it)"
			} else {
				res.Outcome, res.Reason = Skipped, "dead: the vendor rejects it, nothing to revoke"
			}
			return res, nil, true
		}
	}
	vars := manualVars(r, f, st)
	manual := func(reason string) (Result, *url.URL, bool) {
		res.Outcome, res.Reason = Manual, reason
		res.Console = expandText(rv.Console, vars)
		res.Instructions = expandText(rv.Manual, vars)
		return res, nil, true
	}
	switch rv.Class {
	case rules.ClassManual, rules.ClassUnbindable, rules.ClassNone:
		why := map[string]string{
			rules.ClassManual:     "the vendor offers no API to revoke it",
			rules.ClassUnbindable: "the vendor's revoke API needs an id that cannot be derived from the token",
			rules.ClassNone:       "no revocation exists for this credential",
		}[rv.Class]
		return manual(why)
	}
	if miss := missing(rv.Requires, f.Context); miss != "" {
		return manual("the finding's context has no " + miss)
	}
	if rv.CredentialEnv != "" && e.opts.Getenv(rv.CredentialEnv) == "" {
		return manual(rv.CredentialEnv + " is not set: an administrator must revoke it")
	}
	bases, err := e.candidates(r.Provider, &rv.Action, f.Context)
	if err != nil {
		if rv.Class == rules.ClassAdmin {
			return manual(err.Error())
		}
		res.Outcome, res.Reason = Failed, err.Error()
		return res, nil, true
	}
	if rv.Coded == "" && rv.PerHour > 0 {
		k := r.Provider + "\x00" + bases[0].Host
		e.mu.Lock()
		over := e.spent[k] >= rv.PerHour
		e.mu.Unlock()
		if over {
			res.Outcome = Failed
			res.Reason = fmt.Sprintf("%s allows %d revoke requests an hour; run again later", r.Provider, rv.PerHour)
			return res, nil, true
		}
	}
	return res, bases[0], false
}

// manualVars are the variables manual texts may show: never the secret.
func manualVars(r *rules.Rule, f scanner.Finding, st Status) map[string]string {
	vars := map[string]string{}
	for k, v := range f.Context {
		vars[k] = v
	}
	delete(vars, "secret")
	vars["owner"] = st.Owner.String()
	if st.Host != "" {
		vars["host"] = st.Host
		vars["base_url"] = "https://" + st.Host
	}
	return vars
}

// batchKey groups batched revokes that one request can carry: the same
// provider, base URL and request (GitHub's ghp_, gho_, ghu_... rules share
// one endpoint, so a run spends one of its hourly requests, not one per rule).
func batchKey(r *rules.Rule, base *url.URL) string {
	rv := r.Revoke
	req, err := json.Marshal(struct {
		Steps         []rules.Step
		Batch         int
		CredentialEnv string
	}{rv.Steps, rv.Batch, rv.CredentialEnv})
	if err != nil { // not expected; fall back to one batch per rule
		return r.ID + "\x00" + base.String()
	}
	return r.Provider + "\x00" + base.String() + "\x00" + string(req)
}

// sendRevoke runs the revoke action once and counts it against the budget.
func (e *Engine) sendRevoke(ctx context.Context, r *rules.Rule, base *url.URL, vars map[string]string) attempt {
	rv := r.Revoke
	if rv.CredentialEnv != "" {
		vars["credential"] = e.opts.Getenv(rv.CredentialEnv)
	}
	spend := e.budget(r, base)
	if !spend() {
		return attempt{Result: rules.ResultFailed, Host: base.Host, Reason: fmt.Sprintf("%s allows %d revoke requests an hour; run again later", r.Provider, rv.PerHour)}
	}
	return e.run(ctx, &rv.Action, base, vars, sendOpts{mutating: true, budget: spend})
}

// budget returns a function that takes one request from the rule's
// per_hour budget for base's host, reporting false when none is left.
// Retries take from it too: to the vendor they are requests like others.
func (e *Engine) budget(r *rules.Rule, base *url.URL) func() bool {
	per := r.Revoke.PerHour
	k := r.Provider + "\x00" + base.Host
	return func() bool {
		if per <= 0 {
			return true
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		if e.spent[k] >= per {
			return false
		}
		e.spent[k]++
		return true
	}
}

func (e *Engine) revokeOne(ctx context.Context, it PlanItem, base *url.URL, res Result, opts RevokeOptions) Result {
	r, f := it.Rule, it.Finding
	if name := r.Revoke.Coded; name != "" {
		c := e.opts.Coded[name]
		if c == nil {
			res.Outcome, res.Reason = Failed, fmt.Sprintf("coded provider %q is not available in this build", name)
			return res
		}
		t := e.target(r, f, base)
		t.Delete = opts.Delete
		d := doer{t: e.t, allowed: base, o: sendOpts{mutating: true}}
		if r.Verify != nil && r.Verify.Coded == name {
			if vb, err := e.candidates(r.Provider, r.Verify, f.Context); err == nil {
				d.also = vb[:1]
			}
		}
		cr, err := c.Revoke(ctx, d, t)
		cr.Fingerprint, cr.RuleID, cr.Provider, cr.Class = res.Fingerprint, res.RuleID, res.Provider, res.Class
		if cr.Host == "" {
			cr.Host = base.Host
		}
		if cr.Owner == nil {
			cr.Owner = res.Owner
		}
		if err != nil {
			cr.Outcome, cr.Reason = Failed, err.Error()
		}
		cr.Reason = scrub(cr.Reason, map[string]string{"secret": f.Secret})
		if cr.Outcome == "" {
			cr.Outcome = Failed
		}
		return cr
	}
	vars := findingVars(r, f)
	if r.Revoke.Batch > 0 { // a batch of one
		b, _ := json.Marshal([]string{f.Secret})
		vars["secrets_json"] = string(b)
	}
	a := e.sendRevoke(ctx, r, base, vars)
	return e.finish(ctx, it, res, a)
}

// finish maps a revoke attempt to an outcome and confirms it by
// re-verifying (without the cache).
func (e *Engine) finish(ctx context.Context, it PlanItem, res Result, a attempt) Result {
	r := it.Rule
	res.Host, res.HTTPStatus = a.Host, a.Status
	res.Reason = a.Reason
	switch a.Result {
	case rules.ResultAlreadyRevoked:
		res.Outcome = AlreadyRevoked
		if res.Reason == "" {
			res.Reason = "already revoked"
		}
		return res
	case rules.ResultRevoked, rules.ResultAccepted:
	default:
		res.Outcome = Failed
		if a.Refused {
			res.Outcome = Refused
		}
		if res.Reason == "" {
			res.Reason = "the vendor did not confirm the revocation"
		}
		if r.Revoke.Class == rules.ClassAdmin || r.Revoke.Manual != "" {
			st := Status{Owner: res.Owner, Host: a.Host}
			vars := manualVars(r, it.Finding, st)
			res.Console = expandText(r.Revoke.Console, vars)
			res.Instructions = expandText(r.Revoke.Manual, vars)
		}
		return res
	}
	if r.Verify == nil {
		if a.Result == rules.ResultAccepted {
			res.Outcome, res.Reason = Accepted, "accepted by the vendor; not confirmed (no verification for this rule)"
		} else {
			res.Outcome, res.Reason = Revoked, "revoked (not confirmed: no verification for this rule)"
		}
		return res
	}
	st := e.verify(ctx, r, it.Finding, false)
	switch {
	case st.State == Dead:
		res.Outcome, res.Reason = Revoked, "revoked (confirmed dead)"
	case st.State.IsLive() && r.Revoke.Async:
		res.Outcome, res.Reason = Accepted, "accepted, propagating (the vendor revokes asynchronously; still live right now)"
	case st.State.IsLive():
		res.Outcome, res.Reason = Failed, "sent, but the token is still live"
	case a.Result == rules.ResultAccepted:
		res.Outcome, res.Reason = Accepted, "accepted; not confirmed ("+st.Reason+")"
	default:
		res.Outcome, res.Reason = Revoked, "revoked; not confirmed ("+st.Reason+")"
	}
	return res
}

// Summary counts outcomes for people.
func Summary(rs []Result) string {
	counts := map[Outcome]int{}
	for _, r := range rs {
		counts[r.Outcome]++
	}
	var parts []string
	for _, o := range []Outcome{Revoked, AlreadyRevoked, Accepted, Manual, Skipped, Refused, Failed} {
		if counts[o] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[o], o))
		}
	}
	if len(parts) == 0 {
		return "nothing to do"
	}
	return strings.Join(parts, ", ")
}
