package provider

import (
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/scour-dev/scour/rules"
)

var varRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expand replaces ${name} with esc(vars[name]). A variable absent from vars
// is an error naming it (never its value); optional groups that did not
// match are present and empty.
func expand(tmpl string, vars map[string]string, esc func(name, v string) string) (string, error) {
	var missing string
	out := varRef.ReplaceAllStringFunc(tmpl, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := vars[name]
		if !ok {
			if missing == "" {
				missing = name
			}
			return ""
		}
		return esc(name, v)
	})
	if missing != "" {
		return "", fmt.Errorf("no value for ${%s}", missing)
	}
	return out, nil
}

// expandURL builds a request URL: the checked base URL, then the rest of
// the template with variables path-escaped (query-escaped after '?'), so
// no value from scanned text can change the host.
func expandURL(tmpl string, base *url.URL, vars map[string]string) (string, error) {
	for _, name := range rules.TemplateVars(tmpl) {
		// A dot segment would climb the vendor's path (same host, but
		// another endpoint than the rule's).
		if v := vars[name]; v == "." || v == ".." {
			return "", fmt.Errorf("${%s} is a dot segment", name)
		}
	}
	rest := strings.TrimPrefix(tmpl, "${base_url}")
	path, query, hasQuery := strings.Cut(rest, "?")
	p, err := expand(path, vars, func(_, v string) string { return url.PathEscape(v) })
	if err != nil {
		return "", err
	}
	b := strings.TrimSuffix(base.String(), "/")
	if !hasQuery {
		return b + p, nil
	}
	q, err := expand(query, vars, func(_, v string) string { return url.QueryEscape(v) })
	if err != nil {
		return "", err
	}
	return b + p + "?" + q, nil
}

// expandBody fills a body template. In a JSON body, values are
// JSON-string-escaped, except ${secrets_json}, which is a JSON array; in a
// form body (contentType application/x-www-form-urlencoded) they are
// query-escaped; otherwise they go in as they are.
func expandBody(tmpl, contentType string, vars map[string]string) (string, error) {
	t := strings.TrimSpace(tmpl)
	isJSON := strings.HasPrefix(t, "{") || strings.HasPrefix(t, "[")
	isForm := strings.HasPrefix(strings.ToLower(contentType), "application/x-www-form-urlencoded")
	return expand(tmpl, vars, func(name, v string) string {
		switch {
		case v == "" || name == "secrets_json":
			return v
		case isJSON:
			b, _ := json.Marshal(v)
			return string(b[1 : len(b)-1])
		case isForm:
			return url.QueryEscape(v)
		}
		return v
	})
}

// expandHeader fills a header value; line breaks are refused.
func expandHeader(tmpl string, vars map[string]string) (string, error) {
	v, err := expand(tmpl, vars, func(_, v string) string { return v })
	if err != nil {
		return "", err
	}
	if strings.ContainsAny(v, "\r\n") {
		return "", fmt.Errorf("header value contains a line break")
	}
	return v, nil
}

// expandText fills a text for people (console URL, manual steps); missing
// values become "unknown" (rules already bracket them: "owner (${owner})").
func expandText(tmpl string, vars map[string]string) string {
	return varRef.ReplaceAllStringFunc(tmpl, func(m string) string {
		if v := vars[m[2:len(m)-1]]; v != "" {
			return v
		}
		return "unknown"
	})
}

// jsonPath walks a decoded JSON value by a dot path ("a.b.0.c").
// The empty path is the value itself.
func jsonPath(v any, path string) (any, bool) {
	if path == "" {
		return v, true
	}
	for _, seg := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[seg]; !ok {
				return nil, false
			}
		case []any:
			var i int
			if _, err := fmt.Sscanf(seg, "%d", &i); err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// scalarString renders a JSON scalar for variables and owner fields.
func scalarString(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		if x == float64(int64(x)) {
			return fmt.Sprintf("%d", int64(x))
		}
		return fmt.Sprint(x)
	case bool, json.Number:
		return fmt.Sprint(x)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// equalJSON compares a decoded JSON value with a YAML-declared one.
func equalJSON(got, want any) bool {
	switch w := want.(type) {
	case nil:
		return got == nil
	case bool:
		g, ok := got.(bool)
		return ok && g == w
	case int:
		g, ok := got.(float64)
		return ok && g == float64(w)
	case int64:
		g, ok := got.(float64)
		return ok && g == float64(w)
	case float64:
		g, ok := got.(float64)
		return ok && g == w
	case string:
		g, ok := got.(string)
		return ok && g == w
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}
