package aws

import (
	"testing"
	"time"
)

// AWS's SigV4 test suite credentials and date
// (https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html).
const (
	suiteKeyID  = "AKIDEXAMPLE"
	suiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
)

var suiteDate = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)

// TestSignV4GetVanilla reproduces the suite's get-vanilla case exactly:
// canonical request, string to sign and Authorization header.
func TestSignV4GetVanilla(t *testing.T) {
	s := SignV4(V4Request{Method: "GET", Host: "example.amazonaws.com", Path: "/", Region: "us-east-1", Service: "service", Date: suiteDate}, suiteKeyID, suiteSecret)
	wantCR := "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
	if s.CanonicalRequest != wantCR {
		t.Errorf("canonical request:\n got %q\nwant %q", s.CanonicalRequest, wantCR)
	}
	wantSTS := "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
	if s.StringToSign != wantSTS {
		t.Errorf("string to sign:\n got %q\nwant %q", s.StringToSign, wantSTS)
	}
	wantAuth := "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
	if s.Authorization != wantAuth || s.Headers["authorization"] != wantAuth {
		t.Errorf("authorization:\n got %s\nwant %s", s.Authorization, wantAuth)
	}
	if s.Headers["x-amz-date"] != "20150830T123600Z" {
		t.Errorf("x-amz-date %q", s.Headers["x-amz-date"])
	}
}

// TestSignV4SuiteCases reproduces further cases of the suite: query
// ordering, POST, and a UTF-8 path.
func TestSignV4SuiteCases(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		path   string
		query  map[string]string
		want   string
	}{
		{"get-vanilla-query-order-key-case", "GET", "/", map[string]string{"Param2": "value2", "Param1": "value1"}, "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{"post-vanilla", "POST", "/", nil, "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	} {
		s := SignV4(V4Request{Method: tc.method, Host: "example.amazonaws.com", Path: tc.path, Query: tc.query, Region: "us-east-1", Service: "service", Date: suiteDate}, suiteKeyID, suiteSecret)
		if s.Signature != tc.want {
			t.Errorf("%s: signature %s, want %s\ncanonical request:\n%s", tc.name, s.Signature, tc.want, s.CanonicalRequest)
		}
	}
}

func TestSignV4SessionTokenIsSigned(t *testing.T) {
	s := SignV4(V4Request{Method: "POST", Host: "sts.amazonaws.com", Region: "us-east-1", Service: "sts", Date: suiteDate,
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}, SessionToken: "tok"}, "ASIA", "s")
	if s.SignedHeaders != "content-type;host;x-amz-date;x-amz-security-token" || s.Headers["x-amz-security-token"] != "tok" {
		t.Errorf("signed %s, headers %v", s.SignedHeaders, s.Headers)
	}
}
