package provider

import (
	"net/url"
	"testing"
	"time"
)

func TestExpandEscapes(t *testing.T) {
	base, _ := url.Parse("https://api.example.com/v3")
	vars := map[string]string{"secret": `a"b\c`, "org": "../x/@evil.com", "q": "a&b=c", "empty": ""}
	u, err := expandURL("${base_url}/orgs/${org}/x?name=${q}&e=${empty}", base, vars)
	if err != nil {
		t.Fatal(err)
	}
	if want := "https://api.example.com/v3/orgs/..%2Fx%2F@evil.com/x?name=a%26b%3Dc&e="; u != want {
		t.Fatalf("url %s, want %s", u, want)
	}
	if p, _ := url.Parse(u); p.Host != "api.example.com" {
		t.Fatalf("host changed: %s", p.Host)
	}
	b, _ := expandBody(`{"token":"${secret}"}`, "application/json", vars)
	if b != `{"token":"a\"b\\c"}` {
		t.Fatalf("json body %s", b)
	}
	b, _ = expandBody(`token=${q}`, "application/x-www-form-urlencoded", vars)
	if b != "token=a%26b%3Dc" {
		t.Fatalf("form body %s", b)
	}
	if _, err := expandHeader("Bearer ${secret}", map[string]string{"secret": "x\r\nEvil: 1"}); err == nil {
		t.Fatal("header injection accepted")
	}
	if _, err := expandURL("${base_url}/orgs/${org}", base, map[string]string{"org": ".."}); err == nil {
		t.Fatal("dot segment accepted")
	}
	if _, err := expand("${nope}", vars, func(_, v string) string { return v }); err == nil {
		t.Fatal("unknown variable accepted")
	}
	// Rules write "The owner (${owner}) ...": a missing owner must not read
	// "((unknown))".
	if got := expandText("The owner (${owner}) deletes ${id}", map[string]string{"id": "pt-1"}); got != "The owner (unknown) deletes pt-1" {
		t.Fatalf("text %q", got)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 27, 6, 0, 0, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"7":                             7 * time.Second,
		"0":                             0,
		"Fri, 27 Nov 2026 06:00:30 GMT": 30 * time.Second,
		"Fri, 27 Nov 2026 05:00:00 GMT": 0,
	} {
		got, ok := retryAfter(in, now)
		if !ok || got != want {
			t.Errorf("Retry-After %q: %v %v, want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "soon", "-3"} {
		if _, ok := retryAfter(in, now); ok {
			t.Errorf("Retry-After %q accepted", in)
		}
	}
}
