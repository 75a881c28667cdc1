package githistory

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-git/go-git/v5/plumbing"
	"github.com/go-git/go-git/v5/plumbing/storer"
	"github.com/scour-dev/scour/internal/gitobj"
)

// errUnknownRev is a revision that names nothing.
var errUnknownRev = errors.New("unknown revision")

// resolveRev resolves a revision to a commit as git rev-parse does, for
// the forms ranges use: a ref name (HEAD, main, origin/main, refs/...), a
// full or abbreviated commit id, then any number of ~N and ^N. Objects
// are read through the bounded reader, never through go-git, whose
// commit decoding trusts the objects (and names a commit by the hash of
// its content, not by its id).
func (s *scan) resolveRev(rev string) (plumbing.Hash, error) {
	name, ops := rev, ""
	if i := strings.IndexAny(rev, "~^"); i >= 0 {
		name, ops = rev[:i], rev[i:]
	}
	id, err := s.resolveName(name)
	if err != nil {
		return id, err
	}
	if id, err = s.peelCommit(id); err != nil {
		return id, err
	}
	for ops != "" {
		op := ops[0]
		ops = ops[1:]
		j := 0
		for j < len(ops) && ops[j] >= '0' && ops[j] <= '9' {
			j++
		}
		n := 1
		if j > 0 {
			if n, err = strconv.Atoi(ops[:j]); err != nil || n > 1<<20 {
				return id, fmt.Errorf("%w: bad number in %q", errUnknownRev, rev)
			}
		}
		ops = ops[j:]
		switch {
		case op == '^' && n == 0:
		case op == '^':
			hd, err := s.hist.header(id)
			if err != nil {
				return id, err
			}
			if n > len(hd.parents) {
				return id, fmt.Errorf("%w: %s has no parent %d", errUnknownRev, id, n)
			}
			id = hd.parents[n-1]
		default: // '~': n first parents
			for k := 0; k < n; k++ {
				hd, err := s.hist.header(id)
				if err != nil {
					return id, err
				}
				if len(hd.parents) == 0 {
					return id, fmt.Errorf("%w: no such ancestor (%s has no parent)", errUnknownRev, id)
				}
				id = hd.parents[0]
			}
		}
	}
	return id, nil
}

// resolveName looks a name up as git does: refs in git's order (name,
// refs/name, refs/tags/, refs/heads/, refs/remotes/, refs/remotes/.../HEAD),
// else an object id or a unique abbreviation of one.
func (s *scan) resolveName(name string) (plumbing.Hash, error) {
	if name == "" || name == "@" {
		name = "HEAD"
	}
	if len(name) == 40 {
		if id, ok := gitobj.ParseHash(strings.ToLower(name)); ok {
			return id, nil
		}
	}
	s.r.gitMu.Lock()
	for _, c := range []string{name, "refs/" + name, "refs/tags/" + name, "refs/heads/" + name, "refs/remotes/" + name, "refs/remotes/" + name + "/HEAD"} {
		ref, err := storer.ResolveReference(s.r.st, plumbing.ReferenceName(c))
		if err == nil && ref.Type() == plumbing.HashReference {
			s.r.gitMu.Unlock()
			return ref.Hash(), nil
		}
	}
	s.r.gitMu.Unlock()
	if len(name) >= 4 && len(name) < 40 {
		ids := s.store.FindPrefix(name, 8)
		uniq := map[plumbing.Hash]bool{}
		for _, id := range ids {
			uniq[id] = true
		}
		switch len(uniq) {
		case 1:
			return ids[0], nil
		case 0:
		default:
			return plumbing.ZeroHash, fmt.Errorf("%w: %s is ambiguous (%d objects start with it)", errUnknownRev, name, len(uniq))
		}
	}
	return plumbing.ZeroHash, fmt.Errorf("%w: no ref or object is named %q", errUnknownRev, name)
}

// peelCommit follows annotated tags to the commit they name.
func (s *scan) peelCommit(id plumbing.Hash) (plumbing.Hash, error) {
	for depth := 0; depth < 16; depth++ {
		t, data, err := s.r.obj.read(id)
		if err != nil {
			return id, err
		}
		switch t {
		case plumbing.CommitObject:
			return id, nil
		case plumbing.TagObject:
			next, ok := parseTagTarget(data)
			if !ok {
				return id, fmt.Errorf("tag %s has no target", id)
			}
			id = next
		default:
			return id, fmt.Errorf("%s is a %s, not a commit", id, t)
		}
	}
	return id, fmt.Errorf("tag %s: tags nested too deep", id)
}
