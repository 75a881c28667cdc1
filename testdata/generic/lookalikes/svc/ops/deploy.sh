#!/usr/bin/env bash
set -euo pipefail
: "${DB_PASSWORD:?DB_PASSWORD is required}"
export API_TOKEN="$(vault kv get -field=token secret/billing)"
PASSWORD=$(aws secretsmanager get-secret-value --secret-id billing/db --query SecretString --output text)
TOKEN=`cat /run/secrets/api_token`
read -rsp "Password: " password
curl -fsS -H "Authorization: Bearer ${API_TOKEN}" https://api.example.com/deploy
docker login --username ci --password-stdin registry.example.com <<<"$REGISTRY_PASSWORD"
mysql -u root -p"${MYSQL_ROOT_PASSWORD}" -e 'select 1'
sshpass -p "$SSH_PASSWORD" ssh deploy@bastion true
