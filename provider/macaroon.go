package provider

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// A PyPI API token is "pypi-" and a base64url macaroon (format v2, the
// libmacaroons binary encoding) whose first-party caveats are JSON and say
// what the token may do (warehouse's macaroons/caveats): the legacy
// {"version":1,"permissions":"user"} or {"permissions":{"projects":[...]}},
// and the current compact lists [0, exp, nbf] (expiry), [1, [names]]
// (projects), [2, [ids]] (project ids), [3, user_id] (one user). Reading
// them needs no request and no key: the caveats are plain text; only the
// signature is secret, and it is never read or printed.

// maxMacaroon bounds the token scour decodes (real ones are a few hundred
// bytes); the scanned text is hostile.
const maxMacaroon = 8 << 10

// pypiMacaroonClaims returns the caveats of a PyPI token as a claims
// document: scopes ("upload:all-projects" or "upload:project:NAME"),
// projects, expires and not_before (Unix seconds), user_id.
func pypiMacaroonClaims(secret string) (map[string]any, error) {
	b64, ok := strings.CutPrefix(secret, "pypi-")
	if !ok || len(b64) > maxMacaroon {
		return nil, errors.New("not a PyPI token")
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(b64, "="))
	if err != nil {
		return nil, errors.New("not base64url")
	}
	caveats, err := macaroonCaveats(raw)
	if err != nil {
		return nil, err
	}
	var (
		projects []string
		userWide bool
		doc      = map[string]any{}
	)
	for _, cv := range caveats {
		var v any
		if json.Unmarshal(cv, &v) != nil {
			continue // not a caveat PyPI documents: ignored, never guessed
		}
		switch x := v.(type) {
		case map[string]any:
			switch p := x["permissions"].(type) {
			case string:
				userWide = userWide || p == "user"
			case map[string]any:
				for _, n := range stringsOf(p["projects"]) {
					projects = append(projects, n)
				}
			}
			if exp, ok := x["exp"].(float64); ok {
				doc["expires"] = exp
			}
			if nbf, ok := x["nbf"].(float64); ok {
				doc["not_before"] = nbf
			}
		case []any:
			if len(x) == 0 {
				continue
			}
			tag, _ := x[0].(float64)
			switch {
			case tag == 0 && len(x) >= 2:
				if exp, ok := x[1].(float64); ok {
					doc["expires"] = exp
				}
				if len(x) >= 3 {
					if nbf, ok := x[2].(float64); ok {
						doc["not_before"] = nbf
					}
				}
			case tag == 1 && len(x) >= 2:
				projects = append(projects, stringsOf(x[1])...)
			case tag == 2 && len(x) >= 2:
				for _, id := range stringsOf(x[1]) {
					projects = append(projects, "id:"+id)
				}
			case tag == 3 && len(x) >= 2:
				userWide = true
				doc["user_id"] = scalarString(x[1])
			}
		}
	}
	// A token limited to projects reaches those only; otherwise it can
	// upload to every project of its user.
	var scopes []any
	if len(projects) > 0 {
		for _, p := range projects {
			scopes = append(scopes, "upload:project:"+p)
		}
		doc["projects"] = strings.Join(projects, ",")
	} else if userWide {
		scopes = append(scopes, "upload:all-projects")
	}
	if scopes != nil {
		doc["scopes"] = scopes
	}
	return doc, nil
}

func stringsOf(v any) []string {
	var out []string
	if xs, ok := v.([]any); ok {
		for _, x := range xs {
			if s, ok := x.(string); ok && s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// macaroonCaveats returns the identifiers of a v2 binary macaroon's
// first-party caveats. Layout: version byte 2; the macaroon's own fields
// (location 1, identifier 2) up to an end-of-section 0; then each caveat's
// fields (location 1, identifier 2, verification id 4) up to 0; a further
// 0 ends the caveats; the signature (6) follows and is not read.
func macaroonCaveats(b []byte) ([][]byte, error) {
	if len(b) == 0 || b[0] != 2 {
		return nil, errors.New("not a version 2 macaroon")
	}
	i := 1
	field := func() (typ uint64, val []byte, err error) {
		typ, n := uvarint(b[i:])
		if n <= 0 {
			return 0, nil, errors.New("truncated macaroon")
		}
		i += n
		if typ == 0 {
			return 0, nil, nil
		}
		l, n := uvarint(b[i:])
		if n <= 0 || l > uint64(len(b)-i-n) {
			return 0, nil, errors.New("truncated macaroon")
		}
		i += n
		val = b[i : i+int(l)]
		i += int(l)
		return typ, val, nil
	}
	// The macaroon's own location and identifier.
	for {
		typ, _, err := field()
		if err != nil {
			return nil, err
		}
		if typ == 0 {
			break
		}
	}
	var out [][]byte
	for n := 0; ; n++ {
		if n > 64 {
			return nil, fmt.Errorf("more than 64 caveats")
		}
		var id []byte
		third := false
		typ, val, err := field()
		if err != nil {
			return nil, err
		}
		if typ == 0 {
			return out, nil // end of the caveats
		}
		for typ != 0 {
			switch typ {
			case 2:
				id = val
			case 4:
				third = true
			case 6:
				return out, nil // the signature: no more caveats
			}
			if typ, val, err = field(); err != nil {
				return nil, err
			}
		}
		if id != nil && !third {
			out = append(out, id)
		}
	}
}

// uvarint reads an unsigned LEB128 varint (at most 4 bytes here: lengths
// and types are small); n <= 0 when b is short or the value too long.
func uvarint(b []byte) (uint64, int) {
	var v uint64
	for i := 0; i < len(b) && i < 4; i++ {
		v |= uint64(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
