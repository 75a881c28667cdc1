db_password       = "CHANGE_ME"
api_token         = "<set in Terraform Cloud>"
datadog_api_key   = "00000000000000000000000000000000"
token_ttl_seconds = 3600
