package importer

import (
	"regexp/syntax"
	"strings"
)

// maxPathStrings bounds how many literal paths one regex may expand to.
const maxPathStrings = 64

// pathPatterns converts a gitleaks path regex into gitignore-style patterns
// (what scour's exclude and allow paths take), when the regex is a small
// set of literal paths with optional anchors: `\.min\.js$` -> *.min.js,
// `^vendor/` -> /vendor/, `(?:^|/)testdata/` -> testdata/,
// `\.(?:png|jpe?g)$` -> *.png *.jpg *.jpeg. Anything else is not converted
// (ok false). Gitignore matching is case-sensitive, so a (?i) regex
// converts to its lower-case spelling only; exact says whether the patterns
// mean the same paths as the regex.
func pathPatterns(expr string) (patterns []string, exact, ok bool) {
	re, err := syntax.Parse(expr, syntax.Perl)
	if err != nil {
		return nil, false, false
	}
	re = re.Simplify()
	parts := []*syntax.Regexp{re}
	if re.Op == syntax.OpConcat {
		parts = re.Sub
	}
	exact = true
	// Leading anchor: ^ (root), (?:^|/) (a path segment), .* (anything).
	start := "substring"
	for len(parts) > 0 {
		p := parts[0]
		switch {
		case p.Op == syntax.OpBeginText || p.Op == syntax.OpBeginLine:
			start = "root"
		case isStarAny(p):
			start = "substring"
		case isSegmentStart(p):
			start = "segment"
		default:
			goto body
		}
		parts = parts[1:]
	}
body:
	end := false
	for len(parts) > 0 {
		p := parts[len(parts)-1]
		switch {
		case p.Op == syntax.OpEndText || p.Op == syntax.OpEndLine:
			end = true
		case isStarAny(p):
		default:
			goto done
		}
		parts = parts[:len(parts)-1]
	}
done:
	lits := []string{""}
	for _, p := range parts {
		ss, fold, ok := finiteStrings(p)
		if !ok || len(lits)*len(ss) > maxPathStrings {
			return nil, false, false
		}
		if fold {
			exact = false
		}
		var next []string
		for _, a := range lits {
			for _, s := range ss {
				next = append(next, a+s)
			}
		}
		lits = next
	}
	for _, s := range lits {
		if s == "" || strings.ContainsAny(s, "*?[]\\!#\n") {
			return nil, false, false
		}
		patterns = append(patterns, gitignoreOf(s, start, end))
	}
	if start == "substring" {
		exact = false // gitignore anchors at path-segment boundaries
	}
	return patterns, exact, true
}

// gitignoreOf writes one literal path piece as a gitignore pattern.
func gitignoreOf(s, start string, end bool) string {
	inner := strings.Contains(strings.TrimSuffix(s, "/"), "/")
	switch start {
	case "root":
		if !end && !strings.HasSuffix(s, "/") {
			s += "*"
		}
		return "/" + strings.TrimPrefix(s, "/")
	case "segment":
		if inner {
			s = "**/" + s
		}
		if !end && !strings.HasSuffix(s, "/") {
			s += "*"
		}
		return s
	default: // anywhere in the path
		switch {
		case inner:
			s = "**/" + strings.TrimPrefix(s, "/")
		case strings.HasSuffix(s, "/"):
			return s // a directory of that name at any depth
		default:
			s = "*" + s
		}
		if !end && !strings.HasSuffix(s, "/") {
			s += "*"
		}
		return s
	}
}

// finiteStrings lists the strings a small regex matches (literals,
// alternations, optional parts, tiny character classes). fold reports a
// case-insensitive literal, listed in lower case only.
func finiteStrings(re *syntax.Regexp) (ss []string, fold, ok bool) {
	switch re.Op {
	case syntax.OpLiteral:
		if re.Flags&syntax.FoldCase != 0 {
			return []string{strings.ToLower(string(re.Rune))}, true, true
		}
		return []string{string(re.Rune)}, false, true
	case syntax.OpEmptyMatch:
		return []string{""}, false, true
	case syntax.OpCharClass:
		var out []string
		for i := 0; i+1 < len(re.Rune); i += 2 {
			for c := re.Rune[i]; c <= re.Rune[i+1]; c++ {
				if len(out) >= 4 {
					return nil, false, false
				}
				out = append(out, string(c))
			}
		}
		return out, false, true
	case syntax.OpCapture:
		return finiteStrings(re.Sub[0])
	case syntax.OpQuest:
		ss, fold, ok := finiteStrings(re.Sub[0])
		return append([]string{""}, ss...), fold, ok
	case syntax.OpAlternate:
		var out []string
		for _, s := range re.Sub {
			ss, f, ok := finiteStrings(s)
			if !ok {
				return nil, false, false
			}
			fold = fold || f
			out = append(out, ss...)
		}
		return out, fold, len(out) <= maxPathStrings
	case syntax.OpConcat:
		out := []string{""}
		for _, s := range re.Sub {
			ss, f, ok := finiteStrings(s)
			if !ok || len(out)*len(ss) > maxPathStrings {
				return nil, false, false
			}
			fold = fold || f
			var next []string
			for _, a := range out {
				for _, b := range ss {
					next = append(next, a+b)
				}
			}
			out = next
		}
		return out, fold, true
	}
	return nil, false, false
}

func isStarAny(re *syntax.Regexp) bool {
	return (re.Op == syntax.OpStar || re.Op == syntax.OpPlus) && len(re.Sub) == 1 &&
		(re.Sub[0].Op == syntax.OpAnyChar || re.Sub[0].Op == syntax.OpAnyCharNotNL)
}

// isSegmentStart matches (?:^|/), the usual "at a path segment" prefix.
func isSegmentStart(re *syntax.Regexp) bool {
	if re.Op == syntax.OpCapture {
		re = re.Sub[0]
	}
	if re.Op != syntax.OpAlternate || len(re.Sub) != 2 {
		return false
	}
	a, b := re.Sub[0], re.Sub[1]
	isBegin := func(r *syntax.Regexp) bool { return r.Op == syntax.OpBeginText || r.Op == syntax.OpBeginLine }
	isSlash := func(r *syntax.Regexp) bool {
		return (r.Op == syntax.OpLiteral && string(r.Rune) == "/") ||
			(r.Op == syntax.OpCharClass && len(r.Rune) == 2 && r.Rune[0] == '/' && r.Rune[1] == '/')
	}
	return (isBegin(a) && isSlash(b)) || (isSlash(a) && isBegin(b))
}
