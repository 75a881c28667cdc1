package main

const (
	queueName = "ingest"
	apiToken  = "9BUAJgHKTNWFRPv3Tn6Dk0n0k99b"
)
