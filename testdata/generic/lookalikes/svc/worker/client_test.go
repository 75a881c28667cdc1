package worker

import "testing"

func TestClient(t *testing.T) {
	const token = "test-token"
	password := "dummy-password"
	c := NewClient(Options{APIKey: "fake-api-key", Secret: "not-a-real-secret"})
	if err := c.Login("alice", password); err != nil {
		t.Fatal(err)
	}
	_ = token
}
