package alibaba

import (
	"testing"
	"time"
)

// TestEncode checks the percent-encoding rules of docs/providers.md §3.3 step 2.
func TestEncode(t *testing.T) {
	for in, want := range map[string]string{
		"AZaz09-_.~":           "AZaz09-_.~",
		"a b":                  "a%20b",
		"a+b":                  "a%2Bb",
		"*":                    "%2A",
		"2016-02-23T12:46:24Z": "2016-02-23T12%3A46%3A24Z",
		"/":                    "%2F",
		"云":                    "%E4%BA%91",
		"=&":                   "%3D%26",
	} {
		if got := Encode(in); got != want {
			t.Errorf("Encode(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestSignV1KnownAnswer reproduces Alibaba's worked RPC example
// (docs/providers.md §3.3): the string to sign and the signature exactly.
func TestSignV1KnownAnswer(t *testing.T) {
	params := map[string]string{
		"AccessKeyId":      "testid",
		"Action":           "DescribeRegions",
		"Format":           "XML",
		"SignatureMethod":  "HMAC-SHA1",
		"SignatureNonce":   "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
		"SignatureVersion": "1.0",
		"Timestamp":        "2016-02-23T12:46:24Z",
		"Version":          "2014-05-26",
	}
	wantSTS := "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf%26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z%26Version%3D2014-05-26"
	if got := V1StringToSign("GET", params); got != wantSTS {
		t.Errorf("string to sign:\n got %s\nwant %s", got, wantSTS)
	}
	if got, want := SignV1("GET", params, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
}

// TestV1ParamsBuildsTheKnownAnswer checks that V1Params produces the
// example's parameter set (Format aside, which the example sets to XML).
func TestV1ParamsBuildsTheKnownAnswer(t *testing.T) {
	ts := time.Date(2016, 2, 23, 12, 46, 24, 0, time.UTC)
	p := V1Params("DescribeRegions", "2014-05-26", "testid", "", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf", ts, map[string]string{"Format": "XML"})
	if got, want := SignV1("GET", p, "testsecret"), "OLeaidS1JvxuMvnyHOwuJ+uX5qY="; got != want {
		t.Errorf("signature = %s, want %s", got, want)
	}
	if _, ok := p["SecurityToken"]; ok {
		t.Error("SecurityToken set without an STS token")
	}
	p = V1Params("GetCallerIdentity", "2015-04-01", "STS.x", "CAIStoken", "n", ts, nil)
	if p["SecurityToken"] != "CAIStoken" || p["Format"] != "JSON" {
		t.Errorf("STS params = %v", p)
	}
}

// TestSignV3KnownAnswer reproduces Alibaba's V3 example (docs/providers.md
// §3.4): the canonical request byte for byte and signature e521358f…04.
func TestSignV3KnownAnswer(t *testing.T) {
	s := SignV3(V3Request{
		Method:  "POST",
		Host:    "ecs.cn-shanghai.aliyuncs.com",
		Path:    "/",
		Query:   map[string]string{"ImageId": "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", "RegionId": "cn-shanghai"},
		Action:  "RunInstances",
		Version: "2014-05-26",
		Date:    time.Date(2023, 10, 26, 9, 1, 1, 0, time.UTC),
		Nonce:   "d410180a5abf7fe235dd9b74aca91fc0",
	}, "YourAccessKeyId", "YourAccessKeySecret")
	wantCR := "POST\n" +
		"/\n" +
		"ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n" +
		"host:ecs.cn-shanghai.aliyuncs.com\n" +
		"x-acs-action:RunInstances\n" +
		"x-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n" +
		"x-acs-date:2023-10-26T09:01:01Z\n" +
		"x-acs-signature-nonce:d410180a5abf7fe235dd9b74aca91fc0\n" +
		"x-acs-version:2014-05-26\n" +
		"\n" +
		"host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\n" +
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if s.CanonicalRequest != wantCR {
		t.Errorf("canonical request:\n got %q\nwant %q", s.CanonicalRequest, wantCR)
	}
	const wantSig = "e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804"
	if s.Signature != wantSig {
		t.Errorf("signature = %s, want %s", s.Signature, wantSig)
	}
	wantAuth := "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=" + wantSig
	if got := s.Headers["authorization"]; got != wantAuth {
		t.Errorf("authorization:\n got %s\nwant %s", got, wantAuth)
	}
	if s.Headers["x-acs-content-sha256"] != EmptySHA256 {
		t.Errorf("payload hash = %s", s.Headers["x-acs-content-sha256"])
	}
}

// TestSignV3SignsSecurityTokenAndContentType checks that the optional
// headers are signed when present (and never Authorization).
func TestSignV3SignsSecurityTokenAndContentType(t *testing.T) {
	s := SignV3(V3Request{Method: "POST", Host: "sts.aliyuncs.com", Action: "GetCallerIdentity", Version: "2015-04-01",
		Date: time.Unix(0, 0), Nonce: "n", SecurityToken: "CAIStok", ContentType: "application/json", Body: []byte("{}")}, "STS.id", "s")
	want := "content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version"
	if s.SignedHeaders != want {
		t.Errorf("signed headers = %s, want %s", s.SignedHeaders, want)
	}
	if s.Headers["x-acs-security-token"] != "CAIStok" || s.Headers["x-acs-content-sha256"] == EmptySHA256 {
		t.Errorf("headers = %v", s.Headers)
	}
}
