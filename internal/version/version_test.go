package version

import (
	"runtime/debug"
	"testing"
)

// The linker stamp wins; then the module version (go install @vX); then
// the VCS revision; then "dev". A leading "v" is dropped so goreleaser's
// {{.Version}} and Go's module versions print alike.
func TestResolve(t *testing.T) {
	withRev := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "0123456789abcdef0123"}, {Key: "vcs.modified", Value: "true"},
	}}
	cases := []struct {
		name    string
		stamped string
		bi      *debug.BuildInfo
		want    string
	}{
		{"stamped", "1.2.3", withRev, "1.2.3"},
		{"stamped with v", "v1.2.3", nil, "1.2.3"},
		{"go install", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}}, "0.4.0"},
		{"work tree with vcs", "", withRev, "dev-0123456789ab-dirty"},
		{"work tree", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"no build info", "", nil, "dev"},
	}
	for _, c := range cases {
		if got := resolve(c.stamped, c.bi); got != c.want {
			t.Errorf("%s: resolve = %q, want %q", c.name, got, c.want)
		}
	}
}
