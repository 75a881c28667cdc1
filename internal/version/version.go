// Package version says which scour this is. Release builds stamp Version
// at link time:
//
//	go build -ldflags "-X github.com/scour-dev/scour/internal/version.Version=v1.2.3"
//
// (.goreleaser.yaml does). Other builds fall back to what the Go toolchain
// recorded: the module version for `go install ...@v1.2.3`, else the VCS
// revision, else "dev".
package version

import (
	"runtime/debug"
	"strings"
)

// Version is set by the linker (-X) in release builds and never changed at
// run time; it is a var only because -X cannot set a const.
var Version = ""

// String returns scour's version.
func String() string {
	bi, _ := debug.ReadBuildInfo()
	return resolve(Version, bi)
}

// resolve picks the version from the linker stamp or the build info.
func resolve(stamped string, bi *debug.BuildInfo) string {
	if stamped != "" {
		return strings.TrimPrefix(stamped, "v")
	}
	if bi == nil {
		return "dev"
	}
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return strings.TrimPrefix(v, "v")
	}
	var rev, dirty string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				dirty = "-dirty"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" {
		return "dev-" + rev + dirty
	}
	return "dev"
}

// Info is the detail `scour version` prints.
type Info struct {
	Version   string
	GoVersion string
	Commit    string
	Modified  bool
}

// Get returns the version and what the build info adds to it.
func Get() Info {
	bi, _ := debug.ReadBuildInfo()
	info := Info{Version: resolve(Version, bi)}
	if bi != nil {
		info.GoVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				info.Commit = s.Value
			case "vcs.modified":
				info.Modified = s.Value == "true"
			}
		}
	}
	return info
}
