package config

import (
	"strings"
	"testing"
)

func TestMemoryBudgetKey(t *testing.T) {
	t.Parallel()
	c, err := Parse([]byte("memory_budget: 2GiB\n"))
	if err != nil {
		t.Fatal(err)
	}
	if v, err := ParseMemoryBudget(c.MemoryBudget); err != nil || v != 2<<30 {
		t.Errorf("memory_budget 2GiB: %d, %v", v, err)
	}
	for _, bad := range []string{"lots", "1MB", "-5"} {
		if _, err := Parse([]byte("memory_budget: " + bad + "\n")); err == nil || !strings.Contains(err.Error(), "memory_budget") {
			t.Errorf("memory_budget %s: err = %v, want one naming the key", bad, err)
		}
	}
}
