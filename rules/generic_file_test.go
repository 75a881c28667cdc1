package rules

import "testing"

// TestCredentialFileValue: in a credential file known by its path, weak
// passwords (even "password") are reported "low", random ones keep the
// rule's confidence, and references, placeholders and hashes are dropped.
func TestCredentialFileValue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		key, value string
		conf       string // "-" dropped
	}{
		{"password", "password", "low"},
		{"pass", "pass" + "123", "low"}, // split: the self-scan reads this file
		{"userPassword", "mongopass", "low"},
		{"password", "Xk9!mQ2" + "vT7zRw" + "4Lp", ""}, // split: the self-scan reads this file
		{"password", "dff9dfdfdfdadfcfdfd8dff9dfcfdfcfdfc9dfd8dfcfdfdedffadfcbdfd9", ""},
		{"password", "changeme", "-"},
		{"password", "${SFTP_PASSWORD}", "-"},
		{"password", "password_here", "-"},
		{"password", "<your password>", "-"},
		{"password", "$2y$10$i0zA45Br4elvOtALwdnXBSLhvdiypPLUoukW3lVpUHaQT/uuE9hvr", "-"},
		{"password", "abc", "-"},
		{"password", "null", "-"},
		{"sshPrivateKeyFile", "Xk9!mQ2vT7zRw4Lp", "-"},
	} {
		conf, why := credentialFileValue(valueInput{secret: []byte(c.value), key: []byte(c.key)})
		got := conf
		if why != "" {
			got = "-"
		}
		if got != c.conf {
			t.Errorf("credentialFileValue(%s=%q) = %q (%s), want %q", c.key, c.value, got, why, c.conf)
		}
	}
}

// TestUserinfoWeakOnRealHost: a weak password is a leak when the URL names
// a real server, not a local or documentation one; placeholders never are.
func TestUserinfoWeakOnRealHost(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		value, host string
		conf        string // "-" dropped
	}{
		{"testpass", "ds048537.mongolab.com", "low"},
		{"qwerty123", "10.0.4.12", "low"},
		{"reportpass", "db.corp.internal", "-"}, // .internal is not a public name
		{"mongopass", "mongo.acme-corp.io", "low"},
		{"testpass", "localhost", "-"},
		{"testpass", "db", "-"},
		{"testpass", "db.example.com", "-"},
		{"testpass", "127.0.0.1", "-"},
		{"examplepass", "ds048537.mongolab.com", "-"},
		{"your_password", "ds048537.mongolab.com", "-"},
		{"password", "ds048537.mongolab.com", "-"},
		{"${DB_PASS}", "ds048537.mongolab.com", "-"},
		{"Vx7kQ2mZ9pR4tL8w", "db.internal", ""},
	} {
		conf, why := userinfoValue(valueInput{secret: []byte(c.value), host: []byte(c.host)})
		got := conf
		if why != "" {
			got = "-"
		}
		if got != c.conf {
			t.Errorf("userinfoValue(%q @ %s) = %q (%s), want %q", c.value, c.host, got, why, c.conf)
		}
	}
}

// TestWeakEnvPassword: a word and digits under an environment variable
// naming a password is a weak password ("low"); under a code or YAML key
// it reads as a name and is dropped.
func TestWeakEnvPassword(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		key, value string
		conf       string
	}{
		{"DB_PASSWORD", "admin" + "123", "low"}, // split: the self-scan reads this file
		{"MYSQL_ROOT_PWD", "mysql" + "2024", "low"},
		{"password", "session42", "-"},
		{"dbPassword", "admin123", "-"},
		{"API_TOKEN", "session42", "-"},
		{"DB_PASSWORD", "required|string|min:12", "-"},
	} {
		conf, why := credentialValue(valueInput{secret: []byte(c.value), key: []byte(c.key)})
		got := conf
		if why != "" {
			got = "-"
		}
		if got != c.conf {
			t.Errorf("credentialValue(%s=%q) = %q (%s), want %q", c.key, c.value, got, why, c.conf)
		}
	}
}

// TestPrintableKeyValue: a WordPress salt is random printable ASCII; the
// generator's placeholder and plain words are not.
func TestPrintableKeyValue(t *testing.T) {
	t.Parallel()
	for v, want := range map[string]bool{
		"MW1pxMctoyA(>M%0Vl 2(#o0|2$cB+K|.G$hB~4`Juw@]:(5;oVUl<<W3^e_R-fg": true,
		":9URM*n56|I|Rf$|ud0cFJ<KAA<1h_w]A!/?])<q+!qK>+Lq&j9^-!{%%pW. ,Z=": true,
		"put your unique phrase here":                                      false,
		"thisisnotrandomatallthisisnotrandomatall":                         false,
		"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": false,
	} {
		_, why := printableKeyValue(valueInput{secret: []byte(v)})
		if (why == "") != want {
			t.Errorf("printableKeyValue(%q) kept = %v (%s), want %v", v, why == "", why, want)
		}
	}
	// The template marks that salts hold by chance do not make them
	// placeholders for such a rule, but still do for any other.
	salt := []byte("Q$:B]zZjN-AdT<>h7V1.vm+k^|}2wVZf]Xw#QEZ[-pSohv+Kj0W-Z|:|g$-+E8:8")
	if why := placeholder(salt, true, true); why != "" {
		t.Errorf("placeholder(salt, printable) = %q, want \"\"", why)
	}
	if placeholder(salt, true, false) == "" {
		t.Error("placeholder(salt) = \"\", want the template marks to count")
	}
}

// TestAssignmentSpacedQuoted: .esmtprc's `password "VALUE"` is a spaced
// assignment with a quoted value; a quoted word inside text is not.
func TestAssignmentSpacedQuoted(t *testing.T) {
	t.Parallel()
	line := []byte(`password "Zr8kQ2mW"` + "\n")
	if a := ReadAssignment(line, 0, 8); !a.OK {
		t.Errorf("ReadAssignment(%q) not an assignment", line)
	}
	text := []byte(`the password "is"wrong` + "\n")
	if a := readAssignment(text, 4, 12, minFileLen); a.OK {
		t.Errorf("readAssignment(%q) is an assignment", text)
	}
}
