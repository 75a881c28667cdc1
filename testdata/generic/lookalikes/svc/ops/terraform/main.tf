variable "db_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "billing" {
  identifier = "billing"
  username   = "billing"
  password   = var.db_password
}

resource "random_password" "api" {
  length  = 32
  special = true
}

resource "aws_secretsmanager_secret_version" "api" {
  secret_id     = aws_secretsmanager_secret.api.id
  secret_string = random_password.api.result
}

locals {
  api_token     = data.vault_generic_secret.api.data["token"]
  client_secret = lookup(var.secrets, "client_secret", "")
}

provider "github" {
  token = "" # read from GITHUB_TOKEN
}
