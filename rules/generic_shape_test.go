package rules

import "testing"

// TestNotCredentialShape: values the false-alarm review of $GOROOT/src and
// the Go module cache found under credential names (docs/accuracy.md),
// each dropped by the credential filter, and credentials of similar
// shapes that must stay.
func TestNotCredentialShape(t *testing.T) {
	drop := []struct{ key, value string }{
		{"token", "replays."},          // prose: "the token replays."
		{"Token", "Retrieval**:"},      // markdown prose
		{"Password", "is:%vDecrypted"}, // a format string
		{"token", "-want/+got:"},       // a test message
		{"Secret", "*anypb.Any"},       // a pointer type
		{"passwd", "*getpwent"},        // C declaration
		{"access_token", "header.eyJvaWQiOiAib2JqZWN0MTIzNCJ9.c2lnbmF0dXJl"},
		{"Credential", "AKID/20210101/us-east-1/s3/aws4_request"},
		{"X-Goog-Credential", "xxx%40clientid%2F20021001%2Fauto%2Fstorage%2Fgoog4_request"},
		{"credentials", "v1.18.20"}, // go.mod
		{"token", "v1.1.0/go.mod"},  // sumdb lookup
		{"token", "C.NL80211_WOWLAN_TRIG_WAKEUP_TCP_NOMORETOKENS"},
		{"password", "MVNW_REPOURL"},
		{"api_key", "X-Api-Key"},
		{"token", "splunk-url"},
		{"token", "idToken2"},
		{"token", "TFts5Token"},
		{"token", "__ccgo_fp_xToken"},
		{"private_key", "0102030405060708090a0b0c0d0e0f10"},
		{"password", "cGFzc3dvcmQ="},                  // "password"
		{"token", "dGhpcyBpcyBub3QgYSByZWFsIHZhbHVl"}, // "this is not a real value"
		{"privateKey", "cHJpdmF0ZUtleQo="},            // "privateKey\n"
		{"token", "which\x01!as-\x00\x01ready"},       // compressed data
		{"token", "ab\xff\xfecdefgh"},                 // not UTF-8
		{"token", "HTTP/1.1"},                         // POST /token HTTP/1.1
		{"key", "{RSAPUB}"},                           // a template placeholder
		{"token", "xox[baprs]-([0-9a-zA-Z]{10,48})?"}, // a regex
		{"password", "P@ssw0rd"},                      // leetspeak of a well-known password
		{"password", "passw0rd1"},
		{"KEYCHAIN_PASSWORD", "5w0rdf15h"},
		{"aws_session_token", "IQoJb3JpZ2luX2VjE"}, // a session token's prefix, in a generator's code
		{"skiptoken", "K1JJRDp-dGprYkFOdXBtZjROQUFBQUFBQUFBQT09I1JU"},
	}
	for _, c := range drop {
		if conf, why := credentialValue(valueInput{secret: []byte(c.value), key: []byte(c.key)}); why == "" {
			t.Errorf("%s=%q kept (confidence %q), want dropped", c.key, c.value, conf)
		}
	}
	keep := []struct{ key, value string }{
		{"REDIS_PASSWORD", "RedisPass1!"},
		{"MAIL_PASSWORD", "Mailpass1234!"},
		{"sshPassphrase", "SSHPass123"},
		{"DB_PASSWORD", "q8Zr0KfTmW2xLpV9hT4k"},
		{"password", "WDhrUTJyVDd2VzJtTjU="}, // base64 of a random password
		{"token", "s9Kx2Qm7Vr4Tz8Lp3Wn6"},
		{"client_secret", "Hn7#pQ2vX9mL4kR8sT1w"},
		{"password", "J3q!x8ZmR2w#Lk7p"},
		{"secret_key_base", "b8f3c2d1e4a5f6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3"},
	}
	for _, v := range []string{"SOME_TOKEN", "ldap-pwd", "db_pass"} {
		if _, why := userinfoValue(valueInput{secret: []byte(v)}); why == "" {
			t.Errorf("scheme://user:%s@host kept, want dropped (a name, not a password)", v)
		}
	}
	if _, why := userinfoValue(valueInput{secret: []byte("Vx7kQ2mZ9pR4tL8w")}); why != "" {
		t.Errorf("a random URL password dropped: %s", why)
	}
	for _, c := range keep {
		if _, why := credentialValue(valueInput{secret: []byte(c.value), key: []byte(c.key)}); why != "" {
			t.Errorf("%s=%q dropped (%s), want kept", c.key, c.value, why)
		}
	}
}
