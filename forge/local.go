package forge

import (
	"bufio"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// httpRequest keeps the per-forge auth helpers short.
type httpRequest = http.Request

// stripUserinfo drops credentials a forge put in a clone URL.
func stripUserinfo(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = nil
	return u.String()
}

// maxListFile bounds a file of clone URLs.
const maxListFile = 16 << 20

// listFile reads clone URLs or paths, one a line; blank lines and lines
// starting with '#' are skipped. A URL with credentials is refused: they
// would land in the store, logs and the mirror's config.
func listFile(name string) ([]Repo, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("file %s: %w", name, err)
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > maxListFile {
		return nil, fmt.Errorf("file %s: larger than %d bytes", name, maxListFile)
	}
	var out []Repo
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, "\x00\n\r") {
			return nil, fmt.Errorf("file %s:%d: control character", name, n)
		}
		// git would run "<transport>::" helpers (ext::sh ...) and read a
		// leading '-' as an option.
		if strings.Contains(line, "::") || strings.HasPrefix(line, "-") {
			return nil, fmt.Errorf("file %s:%d: not a clone URL or path", name, n)
		}
		clone := line
		if strings.Contains(line, "://") {
			u, err := url.Parse(line)
			if err != nil || u.Host == "" {
				return nil, fmt.Errorf("file %s:%d: not a clone URL (want http, https, ssh or git with a host)", name, n)
			}
		}
		if u, err := url.Parse(line); err == nil && u.Scheme != "" && u.Host != "" {
			if _, hasPw := u.User.Password(); hasPw || (u.User != nil && u.Scheme != "ssh") {
				return nil, fmt.Errorf("file %s:%d: URL carries credentials; give tokens through the environment or a git credential helper", name, n)
			}
			if u.Scheme != "https" && u.Scheme != "http" && u.Scheme != "ssh" && u.Scheme != "git" {
				return nil, fmt.Errorf("file %s:%d: unsupported URL scheme %q", name, n, clip(u.Scheme))
			}
		} else if !isSCP(line) && !filepath.IsAbs(line) {
			// A local path, relative to the file's directory.
			clone = filepath.Join(filepath.Dir(name), line)
		}
		if seen[clone] {
			continue
		}
		seen[clone] = true
		out = append(out, Repo{Name: line, CloneURL: clone, Forge: KindFile})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("file %s: %w", name, err)
	}
	return out, nil
}

// maxDirDepth is how deep listDir looks for repositories.
const maxDirDepth = 4

// listDir finds git repositories (work trees and bare) under root, not
// following symbolic links and not looking inside a repository.
func listDir(root string) ([]Repo, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, fmt.Errorf("dir %s: %w", root, err)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("dir %s: not a directory", root)
	}
	var out []Repo
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil // an unreadable subdirectory holds nothing we can scan
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if rel != "." && strings.Count(rel, string(filepath.Separator))+1 > maxDirDepth {
			return filepath.SkipDir
		}
		if isRepo(p) {
			name := filepath.ToSlash(rel)
			if name == "." {
				name = filepath.Base(p)
			}
			out = append(out, Repo{Name: name, CloneURL: p, Forge: KindDir})
			return filepath.SkipDir
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("dir %s: %w", root, err)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// isRepo reports whether dir is a work tree (.git inside) or a bare
// repository (HEAD, objects/ and refs/).
func isRepo(dir string) bool {
	if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
		return true
	}
	for _, n := range []string{"HEAD", "objects", "refs"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			return false
		}
	}
	return true
}

// isSCP reports whether s is an scp-like git address (git@host:path): a
// colon before any slash, past a Windows drive letter.
func isSCP(s string) bool {
	i := strings.Index(s, ":")
	return i > 1 && !strings.Contains(s[:i], "/")
}
