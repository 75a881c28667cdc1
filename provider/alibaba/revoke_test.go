package alibaba

import (
	"context"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func revokeReq(f *fakeAlibaba, id, secret string) RevokeRequest {
	return RevokeRequest{Key: Credential{ID: id, Secret: secret}, STS: f.URL(), IMS: f.URL()}
}

// TestRevokeRootKeyDisablesItself: UpdateAccessKey with its own ID,
// Status=Inactive, no principal, signed by the leaked key; then STS
// confirms InvalidAccessKeyId.Inactive.
func TestRevokeRootKeyDisablesItself(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1111"})
	c := testClient(f)
	rep := c.Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
	if rep.Outcome != Revoked || !strings.Contains(rep.Reason, "confirmed: STS answers InvalidAccessKeyId.Inactive") || !strings.Contains(rep.Reason, "workloads") {
		t.Fatalf("report %+v", rep)
	}
	if got, want := f.actions(), []string{"GetCallerIdentity", "UpdateAccessKey", "GetCallerIdentity"}; !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	up := f.log()[1]
	if up.KeyID != testID(1) || up.Method != "POST" || up.Header.Get("x-acs-version") != "2019-08-15" ||
		len(up.Params) != 2 || up.Params["UserAccessKeyId"] != testID(1) || up.Params["Status"] != "Inactive" {
		t.Fatalf("UpdateAccessKey %+v", up)
	}
	if f.key(testID(1)).status != "Inactive" {
		t.Error("key still active on the server")
	}
	// A second run: already revoked.
	rep = c.Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
	if rep.Outcome != AlreadyRevoked {
		t.Fatalf("second run %+v", rep)
	}
}

// TestRevokeDeleteOnlyWhenAsked: with Delete the root key deletes itself
// (a disabled key could not sign its own deletion) and STS then says
// NotFound.
func TestRevokeDeleteOnlyWhenAsked(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1111"})
	req := revokeReq(f, testID(1), testSecret(1))
	req.Delete = true
	rep := testClient(f).Revoke(context.Background(), plainHTTP(), req)
	if rep.Outcome != Revoked || !strings.Contains(rep.Reason, "deleted (confirmed: STS answers InvalidAccessKeyId.NotFound)") {
		t.Fatalf("report %+v", rep)
	}
	if got, want := f.actions(), []string{"GetCallerIdentity", "DeleteAccessKey", "GetCallerIdentity"}; !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if f.key(testID(1)).status != "Deleted" {
		t.Error("key not deleted")
	}
}

// TestRevokeRAMUserWithAdmin: a RAM user's key is disabled with the admin
// key, naming the user; then deleted when asked.
func TestRevokeRAMUserWithAdmin(t *testing.T) {
	for _, del := range []bool{false, true} {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "2222", user: "deployer"})
		f.add(testID(9), fakeKey{secret: testSecret(9), account: "2222", user: "secops", admin: true})
		req := revokeReq(f, testID(1), testSecret(1))
		req.Admin = &Credential{ID: testID(9), Secret: testSecret(9)}
		req.Delete = del
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), req)
		if rep.Outcome != Revoked || !strings.Contains(rep.Reason, "admin key (confirmed") {
			t.Fatalf("delete=%v: report %+v", del, rep)
		}
		want := []string{"GetCallerIdentity", "UpdateAccessKey", "GetCallerIdentity"}
		if del {
			want = []string{"GetCallerIdentity", "UpdateAccessKey", "DeleteAccessKey", "GetCallerIdentity"}
		}
		if got := f.actions(); !slices.Equal(got, want) {
			t.Fatalf("delete=%v: actions %v, want %v", del, got, want)
		}
		for _, c := range f.log()[1 : len(want)-1] {
			if c.KeyID != testID(9) || c.Params["UserPrincipalName"] != "deployer@2222.onaliyun.com" || c.Params["UserAccessKeyId"] != testID(1) {
				t.Errorf("admin call %+v", c)
			}
		}
		if want := map[bool]string{false: "Inactive", true: "Deleted"}[del]; f.key(testID(1)).status != want {
			t.Errorf("delete=%v: status %s", del, f.key(testID(1)).status)
		}
	}
}

// TestRevokeRAMUserWithoutAdminIsManual: the key is refused (NoPermission)
// and the console steps name the console, the key and its owner.
func TestRevokeRAMUserWithoutAdminIsManual(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "3333", user: "app"})
	rep := testClient(f).Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
	if rep.Outcome != Manual || rep.Console != "https://ram.console.aliyun.com/" || !strings.Contains(rep.Reason, "NoPermission") || !strings.Contains(rep.Reason, "no admin AccessKey") {
		t.Fatalf("report %+v", rep)
	}
	for _, s := range []string{testID(1), "app@3333.onaliyun.com", "ram.console.aliyun.com", EnvAdminID, "UpdateAccessKey"} {
		if !strings.Contains(rep.Instructions, s) {
			t.Errorf("instructions lack %q: %s", s, rep.Instructions)
		}
	}
	if strings.Contains(rep.Instructions+rep.Reason, testSecret(1)) {
		t.Error("instructions contain the secret")
	}
	if f.key(testID(1)).status != "Active" {
		t.Error("key changed")
	}
}

// TestRevokeRAMUserAllowedToDisableItself: a RAM user granted the
// permission disables itself without an admin key.
func TestRevokeRAMUserAllowedToDisableItself(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "3333", user: "app", manageSelf: true})
	rep := testClient(f).Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
	if rep.Outcome != Revoked {
		t.Fatalf("report %+v", rep)
	}
}

func TestRevokeFailures(t *testing.T) {
	t.Run("IMS 500 fails with steps", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
		f.setOverride("UpdateAccessKey", fakeReply{status: 500, code: "InternalError"})
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
		if rep.Outcome != Failed || rep.HTTPStatus != 500 || rep.Instructions == "" || !strings.Contains(rep.Reason, "InternalError") {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("IMS throttled fails", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
		f.setOverride("UpdateAccessKey", fakeReply{status: 429, code: "Throttling.User"})
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
		if rep.Outcome != Failed || rep.HTTPStatus != 429 || rep.Instructions == "" {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("IMS says the key is gone", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
		f.setOverride("UpdateAccessKey", fakeReply{status: 404, code: "EntityNotExist.User.AccessKey"})
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
		if rep.Outcome != AlreadyRevoked {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("admin key without permission fails with steps", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "2", user: "app"})
		f.add(testID(2), fakeKey{secret: testSecret(2), account: "2", user: "intern"})
		req := revokeReq(f, testID(1), testSecret(1))
		req.Admin = &Credential{ID: testID(2), Secret: testSecret(2)}
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), req)
		if rep.Outcome != Failed || !strings.Contains(rep.Reason, "admin key failed (HTTP 403, Code NoPermission)") || !strings.Contains(rep.Instructions, "app@2.onaliyun.com") {
			t.Fatalf("report %+v", rep)
		}
		if f.key(testID(1)).status != "Active" {
			t.Error("key changed")
		}
	})
	t.Run("accepted but still live", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
		f.setOverride("UpdateAccessKey", fakeReply{status: 200, body: `{"RequestId":"r"}`})
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(1)))
		if rep.Outcome != Failed || !strings.Contains(rep.Reason, "still accepts") {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("re-verify throttled: revoked, not confirmed", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
		c := testClient(f)
		hc := plainHTTP()
		// After the disable, STS throttles: the disable stands, unconfirmed.
		f.mu.Lock()
		f.hook = func(w http.ResponseWriter, r *http.Request) bool {
			if r.Header.Get("x-acs-action") == "GetCallerIdentity" && f.key(testID(1)).status == "Inactive" {
				w.Header().Set("Retry-After", "1")
				w.WriteHeader(http.StatusTooManyRequests)
				io.WriteString(w, `{"Code":"Throttling.User","Message":"fake"}`)
				return true
			}
			return false
		}
		f.mu.Unlock()
		rep := c.Revoke(context.Background(), hc, revokeReq(f, testID(1), testSecret(1)))
		if rep.Outcome != Revoked || !strings.Contains(rep.Reason, "not confirmed (rate limited") {
			t.Fatalf("report %+v", rep)
		}
	})
	t.Run("wrong secret is manual", func(t *testing.T) {
		f := newFakeAlibaba(t)
		f.add(testID(1), fakeKey{secret: testSecret(1), account: "1"})
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), revokeReq(f, testID(1), testSecret(2)))
		if rep.Outcome != Manual || !strings.Contains(rep.Reason, "does not match") {
			t.Fatalf("report %+v", rep)
		}
		if got := f.actions(); !slices.Equal(got, []string{"GetCallerIdentity"}) {
			t.Fatalf("actions %v", got)
		}
	})
	t.Run("STS credentials are manual", func(t *testing.T) {
		f := newFakeAlibaba(t)
		rep := testClient(f).Revoke(context.Background(), plainHTTP(), RevokeRequest{Key: Credential{ID: "STS." + "NFakeTemporaryId0001", Secret: testSecret(1), SecurityToken: "CAIS"}, STS: f.URL(), IMS: f.URL()})
		if rep.Outcome != Manual || len(f.log()) != 0 {
			t.Fatalf("report %+v, %d requests", rep, len(f.log()))
		}
	})
}

// TestRevokeDeleteOfDisabledKey: already harmless; deleting is left to a
// person, with the steps.
func TestRevokeDeleteOfDisabledKey(t *testing.T) {
	f := newFakeAlibaba(t)
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "1", status: "Inactive"})
	req := revokeReq(f, testID(1), testSecret(1))
	req.Delete = true
	rep := testClient(f).Revoke(context.Background(), plainHTTP(), req)
	if rep.Outcome != AlreadyRevoked || rep.Instructions == "" || !strings.Contains(rep.Reason, "already disabled") {
		t.Fatalf("report %+v", rep)
	}
	if got := f.actions(); !slices.Equal(got, []string{"GetCallerIdentity"}) {
		t.Fatalf("actions %v", got)
	}
}

// TestRevokeRAMUserRenamedDomain: when the account renamed its default
// domain, the admin path asks GetDefaultDomain and names the user with it.
func TestRevokeRAMUserRenamedDomain(t *testing.T) {
	f := newFakeAlibaba(t)
	f.domains["4444"] = "acme.onaliyun.com"
	f.add(testID(1), fakeKey{secret: testSecret(1), account: "4444", user: "deployer"})
	f.add(testID(9), fakeKey{secret: testSecret(9), account: "4444", user: "secops", admin: true})
	req := revokeReq(f, testID(1), testSecret(1))
	req.Admin = &Credential{ID: testID(9), Secret: testSecret(9)}
	rep := testClient(f).Revoke(context.Background(), plainHTTP(), req)
	if rep.Outcome != Revoked {
		t.Fatalf("report %+v", rep)
	}
	want := []string{"GetCallerIdentity", "UpdateAccessKey", "GetDefaultDomain", "UpdateAccessKey", "GetCallerIdentity"}
	if got := f.actions(); !slices.Equal(got, want) {
		t.Fatalf("actions %v, want %v", got, want)
	}
	if upn := f.log()[3].Params["UserPrincipalName"]; upn != "deployer@acme.onaliyun.com" {
		t.Errorf("second UserPrincipalName %q", upn)
	}
}
