package scanner

import (
	"path"
	"strings"
)

// configExts and configNames are configuration files by extension and by
// base name: the files a deployment reads its credentials from.
var (
	configExts = []string{".env", ".properties", ".ini", ".cfg", ".conf", ".cnf", ".toml", ".yaml", ".yml",
		".json", ".xml", ".tfvars", ".config", ".plist", ".rc"}
	configNames = []string{".env", ".bashrc", ".bash_profile", ".profile", ".zshrc", ".zprofile", ".npmrc",
		".pypirc", ".netrc", "_netrc", ".pgpass", ".my.cnf", ".s3cfg", ".git-credentials", "dockerfile",
		"containerfile", "credentials", "config", "wp-config.php", "settings.py", "local_settings.py",
		"config.php", "database.php", "secrets.rb"}
	// notConfigMarks are documentation, examples and templates: a weak
	// value there is a sample (docs/v1.25.yaml, .env.example).
	notConfigMarks = []string{"/docs/", "/doc/", "/examples/", "/example/", "/samples/", "/sample/", "/demo/",
		".example", ".sample", ".template", ".tmpl", ".dist", ".tpl", "swagger", "openapi", "/node_modules/",
		"/vendor/", "/locale/", "/locales/", "/i18n/", "/l10n/", "/translations/"}
)

// configPath reports whether p (relative to the scan root) is a
// configuration file outside documentation and examples: .env, .env.*,
// properties, INI, TOML, YAML, JSON, XML, tfvars, shell rc files, the
// credential files, Dockerfiles, compose files and framework settings.
func configPath(p string) bool {
	if p == "" {
		return false
	}
	p = "/" + strings.ToLower(strings.ReplaceAll(p, "\\", "/"))
	for _, m := range notConfigMarks {
		if strings.Contains(p, m) {
			return false
		}
	}
	base := path.Base(p)
	for _, n := range configNames {
		if base == n {
			return true
		}
	}
	if strings.HasPrefix(base, ".env.") || strings.HasPrefix(base, "docker-compose") || strings.HasPrefix(base, "compose.") {
		return true
	}
	ext := path.Ext(base)
	for _, e := range configExts {
		if ext == e {
			return true
		}
	}
	return false
}
