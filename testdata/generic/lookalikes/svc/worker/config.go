package worker

import (
	"os"
	"time"
)

// Config holds the worker's settings; secrets come from the environment.
type Config struct {
	DBPassword   string `json:"db_password" env:"DB_PASSWORD"`
	APIToken     string `json:"api_token,omitempty" yaml:"api_token"`
	SecretKeyRef string `json:"secret_key_ref"`
	TokenTTL     time.Duration
}

const (
	passwordEnv    = "DB_PASSWORD"
	tokenHeader    = "X-Auth-Token"
	secretMountDir = "/var/run/secrets/worker"
	apiKeyParam    = "api_key"
)

func Load() Config {
	password := os.Getenv("DB_PASSWORD")
	token, _ := os.LookupEnv("API_TOKEN")
	return Config{
		DBPassword: password,
		APIToken:   token,
		TokenTTL:   15 * time.Minute,
	}
}

func (c *Config) redacted() Config {
	c2 := *c
	c2.DBPassword = "REDACTED"
	c2.APIToken = "********"
	return c2
}
