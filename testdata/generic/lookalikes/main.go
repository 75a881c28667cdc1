package main

import "os"

var dbPassword = os.Getenv("DB_PASSWORD")
var tokenType = "Bearer"

func login(password string) error {
	if password == "" {
		return errEmpty
	}
	return nil
}
